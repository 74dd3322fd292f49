// State of the current run that error reporting needs: the output format once it is known.
export const runtime = { output: "human" };
