import assert from "node:assert/strict";
import {
  createTokenVerifier,
  UnauthorizedError,
} from "../../supabase/functions/_shared/dashboard/verify-jwt.ts";

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
