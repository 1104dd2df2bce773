// A provider that answers like an OpenID Connect provider but hands out one defective ID token,
// for the SSO attack tests: everything else (discovery, keys, the code, PKCE) is as it should be,
// so a refusal can only come from the defect.
//
//   node forge.mjs CONFIG.json
//
// CONFIG.json: { "client_id", "client_secret", "redirect_uri", "claims": {…}, "defect" }, with
// `defect` one of: none, other_key, expired, wrong_audience, wrong_issuer, wrong_nonce,
// alg_none, no_kid_match; `POST /defect` with `defect=…` changes it for the next tokens. The
// authorization endpoint signs nobody in: it sends the browser straight back with a code, as a
// provider would after its login form.
//
// Prints `listening http://127.0.0.1:PORT`.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

import * as jose from 'jose';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const published = await jose.generateKeyPair('RS256', { extractable: true });
const other = await jose.generateKeyPair('RS256', { extractable: true });
const publicJwk = { ...(await jose.exportJWK(published.publicKey)), kid: 'k1', use: 'sig', alg: 'RS256' };

/** Authorization requests by code: what the token request must match. */
const codes = new Map();

const json = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

const readForm = (req) => new Promise((resolve, reject) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => resolve(new URLSearchParams(body)));
  req.on('error', reject);
});

const base64url = (buffer) => buffer.toString('base64url');

async function idToken(request) {
  const now = Math.floor(Date.now() / 1000);
  const defect = config.defect;
  const claims = {
    ...config.claims,
    nonce: defect === 'wrong_nonce' ? 'a-nonce-of-another-sign-in' : request.nonce,
  };
  const jwt = new jose.SignJWT(claims)
    .setIssuer(defect === 'wrong_issuer' ? 'http://127.0.0.2:9' : issuer)
    .setAudience(defect === 'wrong_audience' ? 'another-application' : config.client_id)
    .setSubject(config.claims.sub)
    .setIssuedAt(defect === 'expired' ? now - 7200 : now)
    .setExpirationTime(defect === 'expired' ? now - 3600 : now + 600);
  if (defect === 'alg_none') {
    const header = base64url(Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })));
    const payload = base64url(Buffer.from(JSON.stringify({
      ...claims, iss: issuer, aud: config.client_id, sub: config.claims.sub, iat: now, exp: now + 600,
    })));
    return `${header}.${payload}.`;
  }
  if (defect === 'other_key') {
    // Signed by a key the provider never published, under the published key's id.
    return jwt.setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(other.privateKey);
  }
  if (defect === 'no_kid_match') {
    return jwt.setProtectedHeader({ alg: 'RS256', kid: 'k2' }).sign(other.privateKey);
  }
  return jwt.setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(published.privateKey);
}

async function token(req, res) {
  const form = await readForm(req);
  const basic = (req.headers.authorization ?? '').replace(/^Basic /, '');
  const [id, secret] = Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent);
  if (id !== config.client_id || secret !== config.client_secret) {
    return json(res, 401, { error: 'invalid_client' });
  }
  const request = codes.get(form.get('code'));
  codes.delete(form.get('code'));
  if (!request || form.get('redirect_uri') !== request.redirect_uri) {
    return json(res, 400, { error: 'invalid_grant' });
  }
  const challenge = base64url(crypto.createHash('sha256').update(form.get('code_verifier') ?? '').digest());
  if (challenge !== request.code_challenge) {
    return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
  }
  return json(res, 200, {
    access_token: crypto.randomBytes(16).toString('hex'),
    token_type: 'Bearer',
    expires_in: 600,
    id_token: await idToken(request),
  });
}

server.on('request', (req, res) => {
  const url = new URL(req.url, issuer);
  if (url.pathname === '/.well-known/openid-configuration') {
    return json(res, 200, {
      issuer,
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
    });
  }
  if (url.pathname === '/jwks') return json(res, 200, { keys: [publicJwk] });
  if (url.pathname === '/auth') {
    const p = url.searchParams;
    if (p.get('client_id') !== config.client_id || p.get('redirect_uri') !== config.redirect_uri
        || p.get('code_challenge_method') !== 'S256') {
      return json(res, 400, { error: 'invalid_request' });
    }
    const code = crypto.randomBytes(16).toString('hex');
    codes.set(code, {
      nonce: p.get('nonce'), code_challenge: p.get('code_challenge'), redirect_uri: p.get('redirect_uri'),
    });
    const back = new URL(config.redirect_uri);
    back.searchParams.set('code', code);
    back.searchParams.set('state', p.get('state'));
    res.writeHead(303, { location: back.toString() });
    return res.end();
  }
  if (url.pathname === '/defect' && req.method === 'POST') {
    return readForm(req).then((form) => {
      config.defect = form.get('defect');
      json(res, 200, { defect: config.defect });
    });
  }
  if (url.pathname === '/token' && req.method === 'POST') {
    return token(req, res).catch((err) => json(res, 500, { error: String(err) }));
  }
  res.writeHead(404);
  return res.end();
});
console.log(`listening ${issuer}`);
