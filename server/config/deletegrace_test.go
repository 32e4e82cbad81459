package config

import (
	"io"
	"strings"
	"testing"
	"time"
)

// SAMTYKKE_DELETE_GRACE: 30 days unless set, in days or as a duration, and
// a wrong value names the variable.
func TestLoadDeleteGrace(t *testing.T) {
	for _, tt := range []struct {
		args []string
		env  map[string]string
		want time.Duration
	}{
		{nil, nil, 30 * 24 * time.Hour},
		{nil, map[string]string{"SAMTYKKE_DELETE_GRACE": "7d"}, 7 * 24 * time.Hour},
		{[]string{"-delete-grace", "72h"}, map[string]string{"SAMTYKKE_DELETE_GRACE": "7d"}, 72 * time.Hour},
	} {
		c, err := Load(tt.args, env(tt.env), io.Discard)
		if err != nil || c.DeleteGrace != tt.want {
			t.Errorf("Load(%v, %v): %v, %v; want %v", tt.args, tt.env, c.DeleteGrace, err, tt.want)
		}
	}
	for _, bad := range []string{"0d", "30m", "366d", "d", "soon"} {
		_, err := Load(nil, env(map[string]string{"SAMTYKKE_DELETE_GRACE": bad}), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "SAMTYKKE_DELETE_GRACE") {
			t.Errorf("SAMTYKKE_DELETE_GRACE=%s: %v, want an error naming it", bad, err)
		}
	}
}
