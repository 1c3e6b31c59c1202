// Package naming derives the few physical names Signet must choose itself (bucket
// names, the WAF log group, the SSM path) from a construct's unique address, so they
// are generated, stable across deploys, and never collide between stacks or copies.
package naming

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
)

// AddressHash is 2*n hex characters identifying c within its stack and the stack
// within the app. Path components named "Default" are left out, as CDK leaves them
// out of logical ids: wrapping constructs in a parent with that id (as the app does
// with the signet composite) changes no name, so no bucket is replaced.
func AddressHash(c constructs.IConstruct, n int) string {
	stack := awscdk.Stack_Of(c)
	var parts []string
	for _, p := range strings.Split(*c.Node().Path(), "/") {
		if p != "Default" {
			parts = append(parts, p)
		}
	}
	sum := sha256.Sum256([]byte(*stack.StackName() + "/" + strings.Join(parts, "/")))
	return hex.EncodeToString(sum[:n])
}
