// Signatures per second of the AWS JavaScript signer (canned RSA-2048 URLs) on this
// machine, for `make bench`. Prints one JSON line: {"opsPerSec": N}.
const { generateKeyPairSync } = require("node:crypto");
const { getSignedUrl } = require("@aws-sdk/cloudfront-signer");

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = privateKey.export({ type: "pkcs1", format: "pem" });
const url = "https://d111111abcdef8.cloudfront.net/customers/acme/reports/q1.pdf";
const base = Date.UTC(2030, 0, 1);
const seconds = Number(process.env.BENCH_SECONDS || 3);

let n = 0;
for (let i = 0; i < 200; i++) getSignedUrl({ url, keyPairId: "K2JCJMDEHXQW5F", privateKey: pem, dateLessThan: new Date(base + i * 1000) });
const t0 = process.hrtime.bigint();
const end = t0 + BigInt(seconds * 1e9);
let now = t0;
while (now < end) {
  for (let j = 0; j < 50; j++, n++) {
    getSignedUrl({ url, keyPairId: "K2JCJMDEHXQW5F", privateKey: pem, dateLessThan: new Date(base + n * 1000) });
  }
  now = process.hrtime.bigint();
}
console.log(JSON.stringify({ opsPerSec: n / (Number(now - t0) / 1e9) }));
