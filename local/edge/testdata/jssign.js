// Test helper: signs each case on stdin with the AWS JavaScript CloudFront signer
// (@aws-sdk/cloudfront-signer, pinned in .tools/package.json) and prints the results,
// so that the edge is checked against URLs and cookies it did not help make.
// Input: JSON array of {kind: "url"|"cookies", url, keyPairId, privateKey,
// dateLessThan (epoch s), dateGreaterThan, ipAddress, policy (a custom policy
// document, e.g. for a wildcard resource), algorithm ("SHA256" or absent)}.
const { getSignedUrl, getSignedCookies } = require("@aws-sdk/cloudfront-signer");

let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const out = JSON.parse(input).map((c) => {
    const args = { keyPairId: c.keyPairId, privateKey: c.privateKey, algorithm: c.algorithm, url: c.url };
    if (c.policy) {
      args.policy = c.policy;
    } else {
      args.dateLessThan = new Date(c.dateLessThan * 1000);
      if (c.dateGreaterThan) args.dateGreaterThan = new Date(c.dateGreaterThan * 1000);
      if (c.ipAddress) args.ipAddress = c.ipAddress;
    }
    try {
      return c.kind === "cookies" ? { cookies: getSignedCookies(args) } : { url: getSignedUrl(args) };
    } catch (e) {
      return { error: String(e.message || e) };
    }
  });
  process.stdout.write(JSON.stringify(out));
});
