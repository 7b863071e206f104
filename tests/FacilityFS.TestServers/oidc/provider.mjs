// A private OpenID Provider for FacilityFS's tests (oidc-provider 9): device flow, refresh tokens that rotate,
// client_credentials, JWT access tokens with a short lifetime. Every device login is the fixed test user; the test
// approves or denies a user code with POST /__test/approve. Listens on 127.0.0.1 only. Never for real use.
//
// Browser logins (authorization code + PKCE, loopback redirect) go through the provider's own development login and
// consent pages, which the tests' "browser" fills in over HTTP.
//
// Environment: PORT, AT_TTL (s), DEVICE_CODE_TTL (s), POLL_INTERVAL (s; the provider answers slow_down to faster polls),
// NO_CODE_FLOW=1 (a provider that offers no authorization code grant: discovery omits it and /auth refuses).
import crypto from 'node:crypto';
import fs from 'node:fs';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const audience = 'https://storage.facilityfs.test';
const storageScopes = ['storage.read:/', 'storage.create:/', 'storage.modify:/'];
const accessTtl = Number(process.env.AT_TTL || 10);
const pollInterval = Number(process.env.POLL_INTERVAL || 1);
const user = 'test-user';
const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code';

const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'ffs-test', use: 'sig', alg: 'RS256' };
// A resource server (Apache mod_auth_openidc) verifies our JWTs with this key; it will not fetch a JWKS over plain http.
if (process.env.PUBLIC_KEY_FILE) fs.writeFileSync(process.env.PUBLIC_KEY_FILE, publicKey.export({ type: 'spki', format: 'pem' }));

const deviceClient = (id, method, secret) => ({
  client_id: id,
  ...(secret ? { client_secret: secret } : {}),
  grant_types: [deviceGrant, 'refresh_token'],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: method,
});

const noCodeFlow = process.env.NO_CODE_FLOW === '1';
// RFC 8252 7.3: a native client's loopback redirect matches on any port.
const loopback = { application_type: 'native', redirect_uris: ['http://127.0.0.1/'] };

const configuration = {
  clients: [
    // The device client may redirect to the loopback but is not allowed the code grant: the provider refuses it a browser login.
    { ...deviceClient('ffs-device', 'client_secret_basic', 'ffs-device-secret'), ...loopback },
    deviceClient('ffs-public', 'none'),
    {
      client_id: 'ffs-browser', ...loopback, token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token', deviceGrant], response_types: ['code'],
    },
    { client_id: 'ffs-robot', client_secret: 'ffs-robot-secret', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
  ],
  scopes: ['openid', 'offline_access', 'profile'],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
  async findAccount(ctx, sub) {
    return { accountId: sub, async claims() { return { sub, name: 'Test User', preferred_username: sub }; } };
  },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  jwks: { keys: [signingKey] },
  features: {
    devInteractions: { enabled: true },
    introspection: { enabled: true },
    deviceFlow: { enabled: true },
    clientCredentials: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => audience,
      useGrantedResource: async () => true,
      getResourceServerInfo: async () => ({
        scope: storageScopes.join(' '),
        audience,
        accessTokenTTL: accessTtl,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  rotateRefreshToken: true,
  ttl: {
    AccessToken: accessTtl,
    ClientCredentials: accessTtl,
    DeviceCode: Number(process.env.DEVICE_CODE_TTL || 600),
    RefreshToken: 86400,
    Grant: 86400,
    Session: 86400,
    Interaction: 3600,
    IdToken: 3600,
  },
};

const provider = new Provider(issuer, configuration);

const bodyOf = (req) => new Promise((resolve, reject) => {
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { text += chunk; });
  req.on('end', () => resolve(text));
  req.on('error', reject);
});

const lastPoll = new Map();

provider.use(async (ctx, next) => {
  if (noCodeFlow && ctx.path === '/auth') {
    ctx.status = 400;
    ctx.body = { error: 'unsupported_response_type', error_description: 'this provider offers no browser login' };
    return;
  }
  if (ctx.path === '/__test/approve' && ctx.method === 'POST') {
    const form = new URLSearchParams(await bodyOf(ctx.req));
    const code = await provider.DeviceCode.findByUserCode((form.get('user_code') || '').toUpperCase().replace(/\W/g, ''));
    if (!code || code.accountId || code.error) {
      ctx.status = 404;
      ctx.body = { error: 'unknown or used user code' };
      return;
    }
    if (form.get('deny') === '1') {
      Object.assign(code, { error: 'access_denied', errorDescription: 'the user denied the request' });
    } else {
      const requested = (code.params.scope || '').split(' ').filter(Boolean);
      const oidc = requested.filter((s) => configuration.scopes.includes(s));
      const storage = requested.filter((s) => storageScopes.includes(s));
      const grant = new provider.Grant({ accountId: user, clientId: code.clientId });
      if (oidc.length) grant.addOIDCScope(oidc.join(' '));
      if (storage.length) grant.addResourceScope(audience, storage.join(' '));
      Object.assign(code, {
        accountId: user, grantId: await grant.save(), authTime: Math.floor(Date.now() / 1000),
        scope: [...oidc, ...storage].join(' '), resource: audience,
      });
    }
    await code.save();
    ctx.body = { done: true };
    return;
  }
  if (ctx.path === '/token' && ctx.method === 'POST') {
    // The provider does not enforce the polling interval itself (RFC 8628 3.5); this does, so clients meet slow_down.
    const raw = await bodyOf(ctx.req);
    ctx.req.body = raw;
    const form = new URLSearchParams(raw);
    const device = form.get('grant_type') === deviceGrant ? form.get('device_code') : null;
    if (device && pollInterval > 0) {
      const now = Date.now();
      const seen = lastPoll.get(device) || { at: 0, interval: pollInterval };
      const early = seen.at && now - seen.at < seen.interval * 1000 - 50;
      seen.at = now;
      if (early) seen.interval += 5;
      lastPoll.set(device, seen);
      if (early) {
        ctx.status = 400;
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { error: 'slow_down', error_description: `poll at most every ${seen.interval} s`, interval: seen.interval };
        return;
      }
    }
  }
  await next();
  if (noCodeFlow && ctx.oidc?.route === 'discovery' && ctx.body && typeof ctx.body === 'object') {
    const { authorization_endpoint: _, ...rest } = ctx.body;
    ctx.body = {
      ...rest,
      grant_types_supported: (rest.grant_types_supported || []).filter((g) => g !== 'authorization_code'),
      response_types_supported: (rest.response_types_supported || []).filter((r) => r === 'none'),
    };
  }
  if (ctx.oidc?.route === 'device_authorization' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
    ctx.body = { ...ctx.body, interval: pollInterval };
  }
});

const server = provider.listen(port, '127.0.0.1', () => console.log(`listening ${issuer}`));
process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeAllConnections(); });
