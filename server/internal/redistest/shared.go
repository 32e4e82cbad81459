package redistest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
)

// sharedDatabases is how many databases a shared server has; a test holds
// one only while it runs, so this bounds the tests running at once.
const sharedDatabases = 256

// Shared is one redis-server for every test of a package (started in
// TestMain), which lends each test a database of its own: starting a server
// per test costs more than many tests themselves, above all under -race.
// A test that stops, restarts or reads the files of its server needs a
// server of its own (Start) instead.
type Shared struct {
	srv *Server

	mu   sync.Mutex
	free []int // databases flushed and ready to lend again
	next int   // the lowest database never lent
	err  error // why the server did not start, reported to every test
}

// StartShared starts the package's shared server. It does not fail: if the
// server cannot start, each test that asks for a database fails, naming
// why. Close it when m.Run returns.
func StartShared() *Shared {
	sh := &Shared{}
	bin, err := lookPathErr()
	if err != nil {
		sh.err = err
		return sh
	}
	dir, err := os.MkdirTemp("", "redistest-shared-")
	if err != nil {
		sh.err = err
		return sh
	}
	for attempt := 0; attempt < 5; attempt++ {
		port, perr := freePortErr()
		if perr != nil {
			sh.err = perr
			break
		}
		s := &Server{bin: bin, dir: dir, port: port, Addr: "127.0.0.1:" + strconv.Itoa(port), args: []string{"--databases", strconv.Itoa(sharedDatabases)}}
		if err = s.launch(); err == nil {
			sh.srv = s
			return sh
		}
	}
	_ = os.RemoveAll(dir)
	if sh.err == nil {
		sh.err = fmt.Errorf("start redis-server: %v", err)
	}
	return sh
}

// URL lends t a database of the shared server, empty, and returns its
// redis:// URL. When t ends the database is flushed and lent again.
func (sh *Shared) URL(t testing.TB) string {
	t.Helper()
	if sh.err != nil {
		t.Fatalf("redistest: the shared redis-server did not start: %v", sh.err)
	}
	sh.mu.Lock()
	db := sh.next
	if n := len(sh.free); n > 0 {
		db, sh.free = sh.free[n-1], sh.free[:n-1]
	} else {
		sh.next++
	}
	sh.mu.Unlock()
	if db >= sharedDatabases {
		t.Fatalf("redistest: all %d databases of the shared redis-server are lent out", sharedDatabases)
	}
	t.Cleanup(func() {
		c := redis.NewClient(&redis.Options{Addr: sh.srv.Addr, DB: db})
		defer c.Close()
		if err := c.FlushDB(context.Background()).Err(); err != nil {
			t.Errorf("redistest: FLUSHDB %d on the shared server: %v", db, err)
			return // not lent again: it may hold this test's keys
		}
		sh.mu.Lock()
		sh.free = append(sh.free, db)
		sh.mu.Unlock()
	})
	return "redis://" + sh.srv.Addr + "/" + strconv.Itoa(db)
}

// Close stops the shared server and removes its data.
func (sh *Shared) Close() {
	if sh.srv == nil {
		return
	}
	sh.srv.Stop()
	_ = os.RemoveAll(sh.srv.dir)
}
