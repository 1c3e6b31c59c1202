package gateway_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/local/gateway"
)

// A gateway in front of two Lambda handlers: one behind the Cognito authorizer, one
// public. The issuer is only contacted when a request brings a token.
func ExampleNew() {
	hello := func(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "hello from " + ev.Resource}, nil
	}
	g, err := gateway.New(gateway.Config{
		Issuer:    "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example",
		ClientIDs: []string{"exampleclient"},
		Routes: []gateway.Route{
			{Method: "GET", Resource: "/api/files", Handler: hello},
			{Method: "GET", Resource: "/api/pages/{name}", Handler: hello, Public: true},
		},
		Logger: discard(),
	})
	if err != nil {
		panic(err)
	}
	for _, target := range []string{"/api/files", "/api/pages/link-error", "/api/nothing"} {
		w := httptest.NewRecorder()
		g.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
		fmt.Println(target, w.Code, w.Body.String())
	}
	// Output:
	// /api/files 401 {"message":"Unauthorized"}
	// /api/pages/link-error 200 hello from /api/pages/{name}
	// /api/nothing 403 {"message":"Missing Authentication Token"}
}
