// Command empty is the yardstick for the signer's cold start: a Lambda that does
// nothing but hand a no-op handler to lambda.Start, so whatever the Go runtime and
// the Lambda library cost before the first Runtime API call is measured alone.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(func() {})
}
