function isUnverified(client) {
  return client.registrationSource === "dynamic" || client.registrationSource === "cimd";
}
function isLoopbackHost(hostname) {
  const host = hostname.toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(host);
}
function isOnDeviceRedirect(redirectUri) {
  let url;
  try {
    url = new URL(redirectUri);
  } catch {
    return false;
  }
  if (url.protocol === "http:" || url.protocol === "https:") return isLoopbackHost(url.hostname);
  return true;
}
function isClaimableByLocalApps(client, redirectUri) {
  return client.registrationSource === "cimd" && isOnDeviceRedirect(redirectUri);
}
export {
  isClaimableByLocalApps,
  isOnDeviceRedirect,
  isUnverified
};
//# sourceMappingURL=unverified-client.js.map
