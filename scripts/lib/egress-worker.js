// The runner's outbound service (scripts/lib/runner.mjs): every global fetch() of the API and the
// Sentinel Workers arrives here and leaves through NET, a workerd network service whose
// allow/deny lists are applied to the resolved address, so a public name resolving to
// 127.0.0.1 is refused too (workerd: "connecting to … is not allowed").
export default {
  fetch(request, env) {
    return env.NET.fetch(request);
  },
};
