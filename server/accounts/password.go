package accounts

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost settings. Hashes record their own parameters,
// so raising the defaults later leaves existing passwords valid.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultParams are OWASP's first argon2id recommendation (Password Storage
// Cheat Sheet): 19 MiB, two passes, one lane. About 30 ms on one core here.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// TestParams are cheap parameters for tests, where thousands of hashes would
// otherwise dominate the run. Never use them for real passwords.
var TestParams = Params{Memory: 64, Time: 1, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

// hashing bounds how many hashes run at once: each holds Params.Memory, and a
// burst of sign-ins must not take the server's memory.
var hashing = make(chan struct{}, 4)

// HashPassword returns the argon2id hash of pw in PHC string form:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>.
func HashPassword(pw string, p Params) (string, error) {
	if p.Memory == 0 || p.Time == 0 || p.Threads == 0 {
		return "", errors.New("accounts: argon2id parameters must be positive")
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	hashing <- struct{}{}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
	<-hashing
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches an encoded hash, in time that
// does not depend on where they differ. A malformed hash matches nothing.
func CheckPassword(encoded, pw string) bool {
	p, salt, key, err := parseHash(encoded)
	if err != nil || len(pw) > MaxPasswordBytes {
		return false
	}
	hashing <- struct{}{}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	<-hashing
	return subtle.ConstantTimeCompare(got, key) == 1
}

// Limits on parameters read from a stored hash, so a damaged or planted
// record cannot make one check take gigabytes.
const (
	maxMemory = 1 << 20 // 1 GiB
	maxTime   = 20
)

func parseHash(encoded string) (Params, []byte, []byte, error) {
	parts := strings.Split(encoded, "$")
	bad := errors.New("accounts: not an argon2id hash")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, bad
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return Params{}, nil, nil, bad
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		p.Memory == 0 || p.Memory > maxMemory || p.Time == 0 || p.Time > maxTime || p.Threads == 0 {
		return Params{}, nil, nil, bad
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return Params{}, nil, nil, bad
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return Params{}, nil, nil, bad
	}
	return p, salt, key, nil
}

// dummyHashes are checked against when an e-mail address is unknown, so
// that a sign-in takes as long whether or not the address has an account.
var dummyHashes sync.Map // Params → string

// Authenticate checks a password for a user that may not exist (found is
// false), doing the same work either way; params should be what real
// users' hashes cost.
func Authenticate(u User, found bool, pw string, params Params) bool {
	if !found {
		h, ok := dummyHashes.Load(params)
		if !ok {
			fresh, err := HashPassword("no account has this password", params)
			if err != nil {
				return false
			}
			h, _ = dummyHashes.LoadOrStore(params, fresh)
		}
		CheckPassword(h.(string), pw)
		return false
	}
	return CheckPassword(u.PasswordHash, pw)
}
