import { allowAnyOrigin } from "./cors.js";
import { parseFormBody } from "./form-body.js";
import { decodeUtf8, parseJsonObject } from "./json-body.js";
import { limitAuthorizationPages } from "./authorize-rate-limit.js";
import { hostSignIn } from "./host-sign-in.js";
import { renderError } from "./render-error.js";
import { accountRoutes } from "./routes/account.js";
import { adminRoutes } from "./admin-dashboard.js";
import { authorizeRoutes } from "./routes/authorize.js";
import { openapiRoute } from "./routes/openapi.js";
import { signInRoutes } from "./routes/sign-in.js";
import { upstreamSignInRoutes } from "./routes/upstream-sign-in.js";
import { clientConfigurationRoutes } from "./routes/client-configuration.js";
import { jwksRoute } from "./routes/jwks.js";
import { metadataRoutes } from "./routes/metadata.js";
import { tokenRoute } from "./routes/token.js";
import { parRoute } from "./routes/par.js";
import { registerRoute } from "./routes/register.js";
import { revokeAndIntrospectRoutes } from "./routes/revoke-introspect.js";
import { userinfoRoute } from "./routes/userinfo.js";
async function latchkeyPlugin(app, options) {
  const { config, storage, clock, random, audit } = options.services;
  const services = options.services;
  app.removeAllContentTypeParsers();
  app.setErrorHandler((error, request, reply) => renderError(request, reply, error));
  if (app.prefix !== "") throw new Error(`Latchkey's routes follow its issuer's path: register them in the root context, not under "${app.prefix}"`);
  const base = new URL(config.issuer).pathname.replace(/\/+$/, "");
  const endpoints = [config.registration.path, ...config.registration.aliases].map((path) => ({
    path: `${base}${path}`,
    url: `${config.issuer}${path}`
  }));
  const tokenChecks = {
    issuer: config.issuer,
    grants: storage.grants,
    revokedAccessTokens: storage.revokedAccessTokens,
    // Stored clients only: a token without a user belongs to a client an operator vouched for, never a metadata document.
    clients: storage.clients,
    verifier: services.verifier,
    clock
  };
  const clients = services.clientResolver;
  const clientAssertions = { clientKeys: services.clientKeys, replays: storage.replays, issuer: config.issuer };
  await app.register(async (api) => {
    const addPreflights = allowAnyOrigin(api, {
      methods: ["GET", "POST", "PUT", "DELETE"],
      allowedHeaders: ["Content-Type", "Authorization", "MCP-Protocol-Version", "DPoP"],
      exposedHeaders: ["DPoP-Nonce", "WWW-Authenticate"],
      maxAgeSeconds: 86400
    });
    metadataRoutes(api, config);
    openapiRoute(api, config, base);
    jwksRoute(api, services.keys, `${base}/jwks.json`);
    userinfoRoute(api, { ...tokenChecks, users: storage.users, replays: storage.replays }, base);
    await api.register(async (json) => {
      json.addContentTypeParser("application/json", { parseAs: "buffer" }, bodyParser(parseJsonObject));
      const registration = {
        config,
        initialAccessTokens: services.initialAccessTokens,
        statementKeys: services.statementKeys,
        clock,
        random,
        audit
      };
      registerRoute(json, { ...registration, clients: storage.clients, limiter: services.limiters.registration }, endpoints);
      clientConfigurationRoutes(json, { ...registration, clients: storage.clients }, endpoints);
    });
    await api.register(async (form) => {
      form.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "buffer" }, bodyParser(parseFormBody));
      revokeAndIntrospectRoutes(form, { ...tokenChecks, config, clients, audit, clientAssertions }, base);
      tokenRoute(
        form,
        {
          config,
          clients,
          codes: storage.codes,
          grants: storage.grants,
          users: storage.users,
          signer: services.signer,
          clock,
          random,
          limiter: services.limiters.token,
          usage: services.usage,
          audit,
          replays: storage.replays,
          dpopNonces: services.dpopNonces,
          enterprise: { keysFor: services.enterpriseKeys, replays: storage.replays, identities: storage.identities, users: storage.users },
          clientAssertions
        },
        `${base}/token`
      );
      parRoute(form, { config, clients, pushedRequests: storage.pushedRequests, clock, random, clientAssertions, limiter: services.limiters.token }, `${base}/par`);
    });
    await addPreflights();
  });
  await app.register(async (pages) => {
    pages.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "buffer" }, bodyParser(parseFormBody));
    limitAuthorizationPages(pages, services.limiters.authorize, base);
    const { sessions, loginThrottle: throttle, keys } = services;
    const host = services.host && hostSignIn(services.host, config.issuer, { users: storage.users, identities: storage.identities, clock, random });
    authorizeRoutes(pages, { config, storage, clients, clock, random, sessions, throttle, audit, host }, base);
    const signInMethods = { providers: config.identity.providers.map(({ id, name }) => ({ id, name })), localPasswords: config.identity.localPasswords };
    const pagesContext = { config, storage, clock, random, sessions, throttle, audit, keys, base, host, signInMethods };
    signInRoutes(pages, pagesContext);
    upstreamSignInRoutes(pages, { ...pagesContext, upstream: services.upstream });
    accountRoutes(pages, pagesContext);
    adminRoutes(pages, pagesContext);
  });
}
function checkMountPrefix(issuer, prefix) {
  const issuerPath = new URL(issuer).pathname.replace(/\/+$/, "");
  if (prefix === "" || issuerPath === prefix || issuerPath.startsWith(`${prefix}/`)) return;
  throw new Error(
    `Latchkey is registered under the prefix "${prefix}", but its issuer's path is "${issuerPath || "/"}": set issuer to a URL whose path starts with "${prefix}", or register it with that prefix`
  );
}
function bodyParser(parse) {
  return (_request, body, done) => {
    try {
      done(null, parse(decodeUtf8(body)));
    } catch (error) {
      done(error, void 0);
    }
  };
}
export {
  checkMountPrefix,
  latchkeyPlugin
};
//# sourceMappingURL=plugin.js.map
