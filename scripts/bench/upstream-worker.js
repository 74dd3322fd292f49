// The app behind the Sentinel in the benchmark: answers every request with a fixed small body,
// so "through the Sentinel" minus "upstream directly" is the Sentinel's own cost.
export default {
  fetch() {
    return new Response('{"ok":true}', { headers: { "content-type": "application/json" } });
  },
};
