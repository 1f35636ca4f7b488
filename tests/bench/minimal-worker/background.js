// The anchor of the cold-start benchmark: the least an MV3 service worker can do to answer a
// message. Registered synchronously at the top level, like the real background.js; the reply is
// sent asynchronously (return true), like the real one.
chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  Promise.resolve().then(() => sendResponse({ ok: true, echo: message && message.cmd }));
  return true;
});
