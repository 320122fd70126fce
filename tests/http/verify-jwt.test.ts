import assert from "node:assert/strict";
import {
  createTokenVerifier,
  UnauthorizedError,
} from "../../supabase/functions/_shared/http/verify-jwt.ts";
import {
  createCallerIdentifier,
  InvalidTokenError,
  userTokenVerifier,
} from "../../supabase/functions/_shared/http/caller.ts";

const now = 1_800_000_000;
const claims = {
  sub: "6f1c0000-0000-4000-8000-000000000001",
  role: "authenticated",
  exp: now + 60,
};

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

const json = (value: unknown) => base64Url(new TextEncoder().encode(JSON.stringify(value)));

async function es256(payload: unknown, key: CryptoKey, kid = "key-1"): Promise<string> {
  const unsigned = `${json({ alg: "ES256", typ: "JWT", kid })}.${json(payload)}`;
  const signature = await crypto.subtle.sign(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    new TextEncoder().encode(unsigned),
  );
  return `${unsigned}.${base64Url(new Uint8Array(signature))}`;
}

async function hs256(payload: unknown, secret: string): Promise<string> {
  const unsigned = `${json({ alg: "HS256", typ: "JWT" })}.${json(payload)}`;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(unsigned));
  return `${unsigned}.${base64Url(new Uint8Array(signature))}`;
}

const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
  "sign",
  "verify",
]);
const jwks = JSON.stringify({
  keys: [{ ...await crypto.subtle.exportKey("jwk", pair.publicKey), kid: "key-1", alg: "ES256" }],
});

Deno.test("createTokenVerifier accepts a user's ES256 token signed by a key of SUPABASE_JWKS", async () => {
  const verify = createTokenVerifier({ jwks, remote: null, now: () => now });
  assert.equal((await verify(await es256(claims, pair.privateKey))).sub, claims.sub);
});

Deno.test("createTokenVerifier refuses a token signed by a key outside the JWKS", async () => {
  const other = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  const verify = createTokenVerifier({ jwks, remote: null, now: () => now });
  await assert.rejects(verify(await es256(claims, other.privateKey)), /does not verify/);
  await assert.rejects(verify(await es256(claims, pair.privateKey, "key-2")), UnauthorizedError);
});

Deno.test("createTokenVerifier checks HS256 tokens with the JWT secret", async () => {
  const verify = createTokenVerifier({ secret: "s3cret", remote: null, now: () => now });
  assert.equal((await verify(await hs256(claims, "s3cret"))).role, "authenticated");
  await assert.rejects(verify(await hs256(claims, "guess")), /does not verify/);
});

Deno.test("createTokenVerifier refuses a token whose signature is not base64url as forged, not with a fault", async () => {
  const verify = createTokenVerifier({ secret: "s3cret", remote: null, now: () => now });
  const [header, payload] = (await hs256(claims, "s3cret")).split(".");
  for (const signature of ["A", "@@@@", "a.b"]) {
    await assert.rejects(verify(`${header}.${payload}.${signature}`), UnauthorizedError);
  }
  const identify = createCallerIdentifier({
    verify: userTokenVerifier({ secret: "s3cret", remote: null, now: () => now }),
  });
  const request = new Request("http://x/", {
    headers: { authorization: `Bearer ${header}.${payload}.A` },
  });
  await assert.rejects(identify(request), InvalidTokenError);
});

Deno.test("createTokenVerifier refuses expired tokens and tokens that are not a user's", async () => {
  const verify = createTokenVerifier({ secret: "s3cret", remote: null, now: () => now });
  await assert.rejects(verify(await hs256({ ...claims, exp: now }, "s3cret")), /expired/);
  await assert.rejects(
    verify(await hs256({ ...claims, role: "service_role" }, "s3cret")),
    /not a signed-in user's/,
  );
  await assert.rejects(
    verify(await hs256({ role: "anon", exp: now + 60 }, "s3cret")),
    /not a signed-in user's/,
  );
  await assert.rejects(verify("a.b"), /not a JWT/);
});

Deno.test("createTokenVerifier asks Supabase Auth when no local key applies, and keeps its checks", async () => {
  const asked: string[] = [];
  const verify = createTokenVerifier({
    jwks: "",
    remote: (jwt) => {
      asked.push(jwt);
      return Promise.resolve({ ...claims });
    },
    now: () => now,
  });
  const token = await hs256(claims, "legacy-secret-we-do-not-have");
  assert.equal((await verify(token)).sub, claims.sub);
  assert.deepEqual(asked, [token]);
  const refusing = createTokenVerifier({
    jwks: "",
    remote: () => Promise.reject(new Error("invalid JWT")),
  });
  await assert.rejects(refusing(token), /refused: invalid JWT/);
});

Deno.test("a caller's user id is the verified sub of a session; the legacy anon and service_role keys name no user", async () => {
  const asked: string[] = [];
  // Supabase Auth refuses an API key as a session ("missing sub claim"): it must never be asked.
  const remote = (jwt: string) => {
    asked.push(jwt);
    return Promise.reject(new Error("invalid claim: missing sub claim"));
  };
  const identify = createCallerIdentifier({
    verify: userTokenVerifier({ secret: "s3cret", remote, now: () => now }),
  });
  const call = (token: string) =>
    identify(new Request("http://x/", { headers: { authorization: `Bearer ${token}` } }));

  assert.equal((await call(await hs256(claims, "s3cret"))).userId, claims.sub);
  const anonKey = await hs256({ iss: "supabase", role: "anon", exp: now + 60 }, "s3cret");
  const serviceKey = await hs256(
    { iss: "supabase", role: "service_role", exp: now + 60 },
    "s3cret",
  );
  assert.equal((await call(anonKey)).userId, undefined);
  assert.equal((await call(serviceKey)).userId, undefined);
  // An ES256 API key with no JWKS to check it would go to Auth: it is not sent there either.
  assert.equal((await call(await es256({ role: "anon" }, pair.privateKey))).userId, undefined);
  assert.deepEqual(asked, []);

  await assert.rejects(call(await hs256(claims, "guess")), InvalidTokenError);
  await assert.rejects(call(await hs256({ ...claims, exp: now - 1 }, "s3cret")), /expired/);
  await assert.rejects(call("eyJub3Q.eyJqc29u.c2ln"), InvalidTokenError);
  // A user's session that only Auth can verify is asked about, and its refusal is a bad token.
  await assert.rejects(call(await es256(claims, pair.privateKey)), /was refused/);
  assert.equal(asked.length, 1);
});

Deno.test("by default the legacy anon key is an anonymous caller, not a 401 from asking Supabase Auth about it", async () => {
  let asked = 0;
  // Supabase Auth's answer to GET /auth/v1/user with an API key instead of a session.
  const auth = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    asked++;
    const body = { code: 403, error_code: "bad_jwt", msg: "invalid claim: missing sub claim" };
    return Response.json(body, { status: 403 });
  });
  const env = { SUPABASE_URL: `http://127.0.0.1:${auth.addr.port}`, SUPABASE_ANON_KEY: "" };
  const saved = Object.keys(env).map((name) => [name, Deno.env.get(name)] as const);
  try {
    const anonKey = await hs256({ iss: "supabase", role: "anon", exp: 4_000_000_000 }, "project");
    Deno.env.set("SUPABASE_URL", env.SUPABASE_URL);
    Deno.env.set("SUPABASE_ANON_KEY", anonKey);
    const caller = await createCallerIdentifier()(
      new Request("http://x/", { headers: { authorization: `Bearer ${anonKey}` } }),
    );
    assert.equal(caller.userId, undefined);
    assert.equal(asked, 0);
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
    await auth.shutdown();
  }
});
