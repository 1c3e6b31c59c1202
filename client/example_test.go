package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/signet-cdk/signet/client"
)

// Listing files, and telling a refusal apart with errors.Is.
func ExampleClient_List() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "id-token" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"code":"unauthenticated","message":"sign in first"}}`)
			return
		}
		_, _ = io.WriteString(w, `{"files":[{"path":"reports/q1.pdf","contentType":"application/pdf","size":1024,"updatedAt":"2030-01-01T00:00:00Z"}]}`)
	}))
	defer api.Close()

	c := &client.Client{BaseURL: api.URL, Tokens: client.StaticToken("id-token")}
	files, err := c.List(context.Background(), "reports")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range files {
		fmt.Println(f.Path, f.Size)
	}

	anonymous := &client.Client{BaseURL: api.URL}
	_, err = anonymous.List(context.Background(), "")
	fmt.Println(errors.Is(err, client.ErrUnauthenticated))
	// Output:
	// reports/q1.pdf 1024
	// true
}
