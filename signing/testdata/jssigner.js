// Test oracle: signs each case on stdin with the AWS JavaScript CloudFront signer
// (@aws-sdk/cloudfront-signer, pinned in .tools/package.json) and prints the results.
// Input: JSON array of {kind: "url"|"cookies", url, keyPairId, privateKey,
// dateLessThan (epoch s), dateGreaterThan, ipAddress, wildcardResource, algorithm}.
const { getSignedUrl, getSignedCookies } = require("@aws-sdk/cloudfront-signer");

let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const cases = JSON.parse(input);
  const out = cases.map((c) => {
    const args = {
      keyPairId: c.keyPairId,
      privateKey: c.privateKey,
      algorithm: c.algorithm,
    };
    if (c.wildcardResource) {
      // The custom policy for a wildcard resource, built here, independently of the
      // Go code, in the layout of CloudFront's documentation.
      const statement = { Resource: c.wildcardResource, Condition: { DateLessThan: { "AWS:EpochTime": c.dateLessThan } } };
      if (c.dateGreaterThan) statement.Condition.DateGreaterThan = { "AWS:EpochTime": c.dateGreaterThan };
      if (c.ipAddress) statement.Condition.IpAddress = { "AWS:SourceIp": c.ipAddress };
      args.policy = JSON.stringify({ Statement: [statement] });
    } else {
      args.url = c.url;
      args.dateLessThan = new Date(c.dateLessThan * 1000);
      if (c.dateGreaterThan) args.dateGreaterThan = new Date(c.dateGreaterThan * 1000);
      if (c.ipAddress) args.ipAddress = c.ipAddress;
    }
    try {
      if (c.kind === "cookies") return { cookies: getSignedCookies(args) };
      if (c.wildcardResource) args.url = c.url;
      return { url: getSignedUrl(args) };
    } catch (e) {
      return { error: String(e.message || e) };
    }
  });
  process.stdout.write(JSON.stringify(out));
});
