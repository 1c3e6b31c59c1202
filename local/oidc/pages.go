package oidc

import (
	"bytes"
	"html/template"
	"net/http"
)

const pageStyle = `body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}
main{max-width:22rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem;margin-top:0}label{display:block;margin-top:1rem}
input{width:100%;box-sizing:border-box;padding:.5rem;margin-top:.25rem}
button{margin-top:1.5rem;width:100%;padding:.6rem;background:#1f5fbf;color:#fff;border:0;border-radius:4px}
.error{color:#a00}.note{color:#666;font-size:.85rem}`

var loginTmpl = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in - Signet (local)</title><style>` + pageStyle + `</style></head>
<body><main>
<h1>Sign in to Signet</h1>
<p class="note">Local user pool</p>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="authorization" value="{{.ID}}">
<label for="username">Email</label>
<input id="username" name="username" type="email" autocomplete="username" required value="{{.Username}}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
</main></body></html>
`))

var errorTmpl = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in error - Signet (local)</title>
<style>` + pageStyle + `</style></head>
<body><main><h1>Sign-in error</h1><p class="error">{{.}}</p></main></body></html>
`))

// loginPage shows the login form for pending request id.
func (i *Issuer) loginPage(w http.ResponseWriter, status int, id, username, errMsg string) {
	data := struct{ Action, ID, Username, Error string }{i.prefix + "/login", id, username, errMsg}
	render(w, status, loginTmpl, data)
}

// errorPage shows an error without redirecting anywhere.
func (i *Issuer) errorPage(w http.ResponseWriter, status int, msg string) {
	render(w, status, errorTmpl, msg)
}

func render(w http.ResponseWriter, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		http.Error(w, "page error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
