package oidc

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"math/big"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// PBKDF2-HMAC-SHA256 parameters. The iteration count is below OWASP's 600,000: these
// are in-memory passwords of a local stand-in, and tests create many users.
const (
	pbkdf2Iterations = 100_000
	saltLen          = 16
	hashLen          = 32
	maxPasswordLen   = 256 // Cognito's limit
)

// passwordHash is a salted PBKDF2 hash; the zero value matches no password.
type passwordHash struct {
	salt, sum []byte
}

func hashPassword(password string) passwordHash {
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt)
	sum, _ := pbkdf2.Key(sha256.New, password, salt, pbkdf2Iterations, hashLen)
	return passwordHash{salt: salt, sum: sum}
}

// matches takes the same time whether or not h is the zero value, so that an unknown
// email costs what a known one does.
func (h passwordHash) matches(password string) bool {
	salt := h.salt
	if salt == nil {
		salt = make([]byte, saltLen)
	}
	sum, err := pbkdf2.Key(sha256.New, password, salt, pbkdf2Iterations, hashLen)
	return err == nil && h.sum != nil && subtle.ConstantTimeCompare(sum, h.sum) == 1
}

// symbols are the special characters Cognito's password policy counts.
const symbols = `^$*.[]{}()?"!@#%&/\,><':;|_~` + "`=+-"

// checkPassword applies Signet's policy (constructs/identity): 12 to 256 characters,
// with an upper-case letter, a lower-case letter, a digit and a symbol.
func checkPassword(p string) error {
	classes := []func(rune) bool{unicode.IsUpper, unicode.IsLower, unicode.IsDigit, isSymbol}
	ok := len(p) >= 12 && len(p) <= maxPasswordLen
	for _, c := range classes {
		ok = ok && strings.IndexFunc(p, c) >= 0
	}
	if !ok {
		return &types.InvalidPasswordException{Message: aws.String(
			"Password does not conform to policy: Password not long enough or missing a required character class")}
	}
	return nil
}

func isSymbol(r rune) bool { return strings.ContainsRune(symbols, r) }

// Temporary passwords draw from classes that survive forms, shells and emails.
var tempClasses = []string{"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!#%*+-.=?@_~"}

// temporaryPassword is 16 random characters with every class of the policy.
func temporaryPassword() string {
	all := strings.Join(tempClasses, "")
	pw := make([]byte, 0, 16)
	for _, class := range tempClasses {
		pw = append(pw, pick(class))
	}
	for len(pw) < cap(pw) {
		pw = append(pw, pick(all))
	}
	for j := len(pw) - 1; j > 0; j-- { // Fisher-Yates, so the classes are not in order
		k := randInt(j + 1)
		pw[j], pw[k] = pw[k], pw[j]
	}
	return string(pw)
}

func pick(set string) byte { return set[randInt(len(set))] }

func randInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic("oidc: crypto/rand failed: " + err.Error()) // crypto/rand never fails on supported platforms
	}
	return int(v.Int64())
}
