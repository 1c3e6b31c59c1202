// Package naming derives the few physical names Signet must choose itself (bucket
// names, the WAF log group, the SSM path) from a construct's unique address, so they
// are generated, stable across deploys, and never collide between stacks or copies.
package naming

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
)

// AddressHash is 2*n hex characters identifying c within its stack and the stack
// within the app.
func AddressHash(c constructs.IConstruct, n int) string {
	stack := awscdk.Stack_Of(c)
	sum := sha256.Sum256([]byte(*stack.StackName() + "/" + *c.Node().Path()))
	return hex.EncodeToString(sum[:n])
}
