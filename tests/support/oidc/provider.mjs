// A real OpenID Connect provider for the SSO tests: the `oidc-provider` package (the certified
// implementation from the npm registry) on a loopback port, with the province's login form.
//
//   node provider.mjs CONFIG.json
//
// CONFIG.json: { "port": 0, "client": { "client_id", "client_secret", "redirect_uris",
// "post_logout_redirect_uris" }, "accounts_file": "accounts.json" }. The accounts file maps each
// login name to { "password", "claims": { "sub", "email", "email_verified", "name", ... } } and
// is read again at every sign-in, so a test changes a person's claims by rewriting it. Every
// claim of an account goes into its ID token (the mapped claims are read from there).
//
// Prints `listening http://127.0.0.1:PORT` once it accepts connections.

import fs from 'node:fs';
import http from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const accounts = () => JSON.parse(fs.readFileSync(config.accounts_file, 'utf8'));
const byLogin = (login) => Object.hasOwn(accounts(), login) ? accounts()[login] : undefined;
const bySub = (sub) => Object.values(accounts()).find((a) => a.claims.sub === sub);

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title, body) => `<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>body{font-family:sans-serif;max-width:24rem;margin:2rem auto;padding:0 1rem}
label,input,button{display:block;width:100%;box-sizing:border-box;margin:.4rem 0}
input,button{padding:.6rem;font-size:1rem}.error{color:#a00}</style></head>
<body><h1>${escape(title)}</h1>${body}</body></html>`;

const loginForm = (uid, error) => page(
  'Hệ thống xác thực tập trung (thử nghiệm)',
  `${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
  <form method="post" action="/interaction/${escape(uid)}/login" autocomplete="off">
    <label for="login">Tên đăng nhập</label><input id="login" name="login" required>
    <label for="password">Mật khẩu</label><input id="password" name="password" type="password" required>
    <button type="submit" id="sign-in">Đăng nhập</button>
  </form>`,
);

const readForm = (req) => new Promise((resolve, reject) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => {
    body += chunk;
    if (body.length > 16384) reject(new Error('form too large'));
  });
  req.on('end', () => resolve(new URLSearchParams(body)));
  req.on('error', reject);
});

const server = http.createServer();
await new Promise((resolve) => server.listen(config.port ?? 0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingKey = { ...(await jose.exportJWK(privateKey)), kid: 'test-key-1', use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: [{
    ...config.client,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['hailong-test-cookie-key'] },
  async findAccount(ctx, sub) {
    const account = bySub(sub);
    if (!account) return undefined;
    return { accountId: sub, claims: async () => ({ ...account.claims, sub }) };
  },
  // Every claim a test gives an account, under the scopes Hài Lòng asks for.
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username', 'groups', 'hailong_role', 'ma_don_vi', 'chuc_vu'],
  },
  // Claims in the ID token itself, as Keycloak and WSO2 do for the requested scopes.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page('Đăng xuất khỏi hệ thống xác thực', `${form}
          <button autofocus type="submit" form="op.logoutForm" value="yes" name="logout" id="logout-yes">Đăng xuất</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Đã đăng xuất', '<p>Ông/bà đã đăng xuất khỏi hệ thống xác thực.</p>');
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { IdToken: 3600, AccessToken: 3600, AuthorizationCode: 120, Session: 3600, Interaction: 600, Grant: 3600 },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Lỗi', `<p id="error">${escape(out.error)}: ${escape(out.error_description ?? '')}</p>`);
  },
});
provider.proxy = false;

/** The login prompt shows the form; the consent prompt is granted at once (a first-party client). */
async function interaction(req, res) {
  const url = new URL(req.url, issuer);
  const parts = url.pathname.split('/').filter(Boolean);
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET' && parts.length === 2) {
    if (details.prompt.name === 'login') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(loginForm(details.uid));
    }
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  if (req.method === 'POST' && parts[2] === 'login') {
    const form = await readForm(req);
    const account = byLogin(form.get('login') ?? '');
    if (!account || account.password !== form.get('password')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(loginForm(details.uid, 'Tên đăng nhập hoặc mật khẩu không đúng.'));
    }
    return provider.interactionFinished(req, res, { login: { accountId: account.claims.sub } }, { mergeWithLastSubmission: false });
  }
  res.writeHead(404);
  return res.end();
}

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(String(err));
    });
  } else {
    callback(req, res);
  }
});
console.log(`listening ${issuer}`);
