// Vite's `?raw` import (a file's text): patterns.test.ts runs the example queries of docs/analytics.md.
declare module "*.md?raw" {
  const text: string;
  export default text;
}
