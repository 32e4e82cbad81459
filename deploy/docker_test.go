package deploy_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction with its continuation lines
// joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, ...
	args string
	line int
}

type dockerfile struct {
	args   map[string]string // global ARGs before the first FROM
	stages [][]instruction
}

// parseDockerfile reads the subset of the Dockerfile syntax the file uses:
// comments, line continuations, one instruction per logical line.
func parseDockerfile(t *testing.T, p string) dockerfile {
	t.Helper()
	df := dockerfile{args: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(read(t, p)))
	var cur strings.Builder
	start, n := 0, 0
	flush := func() {
		text := strings.TrimSpace(cur.String())
		cur.Reset()
		if text == "" {
			return
		}
		cmd, args, _ := strings.Cut(text, " ")
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args), line: start}
		switch {
		case in.cmd == "FROM":
			df.stages = append(df.stages, []instruction{in})
		case len(df.stages) == 0 && in.cmd == "ARG":
			k, v, _ := strings.Cut(in.args, "=")
			df.args[k] = v
		case len(df.stages) == 0:
			t.Errorf("%s:%d: %s before the first FROM", p, in.line, in.cmd)
		default:
			df.stages[len(df.stages)-1] = append(df.stages[len(df.stages)-1], in)
		}
	}
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue // comments may sit between continuation lines
		}
		if cur.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(trimmed, `\`) {
			cur.WriteString(strings.TrimSuffix(trimmed, `\`) + " ")
			continue
		}
		cur.WriteString(trimmed)
		flush()
	}
	flush()
	if len(df.stages) < 2 {
		t.Fatalf("%s: want a multi-stage build, found %d stage(s)", p, len(df.stages))
	}
	return df
}

func (df dockerfile) final() []instruction { return df.stages[len(df.stages)-1] }

func (df dockerfile) all(stage []instruction, cmd string) []instruction {
	var out []instruction
	for _, in := range stage {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// execForm parses a JSON-array argument (CMD ["a", "b"]).
func execForm(t *testing.T, s string) []string {
	t.Helper()
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("%q is not the exec (JSON array) form: %v", s, err)
	}
	return out
}

// healthcheckBinary is the program HEALTHCHECK runs.
func (df dockerfile) healthcheckBinary(t *testing.T) string {
	t.Helper()
	hc := df.all(df.final(), "HEALTHCHECK")
	if len(hc) != 1 {
		t.Fatalf("the runtime stage needs exactly one HEALTHCHECK, has %d", len(hc))
	}
	_, cmd, ok := strings.Cut(hc[0].args, "CMD ")
	if !ok {
		t.Fatalf("HEALTHCHECK %q has no CMD", hc[0].args)
	}
	return execForm(t, strings.TrimSpace(cmd))[0]
}

// env returns the ENV settings of a stage (KEY=value pairs only).
func (df dockerfile) env(stage []instruction) map[string]string {
	env := map[string]string{}
	for _, in := range df.all(stage, "ENV") {
		for _, kv := range strings.Fields(in.args) {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = strings.Trim(v, `"`)
			}
		}
	}
	return env
}

var buildRE = regexp.MustCompile(`go build ([^&]*?)-o (\S+) (\./\S+)`)

func TestDockerfile(t *testing.T) {
	f := code(t)
	df := parseDockerfile(t, "Dockerfile")
	build, final := df.stages[0], df.final()

	// Builder: the Go version of go.mod, CGO off, -trimpath, module and build
	// caches in cache mounts.
	from := strings.Fields(build[0].args)
	image := from[len(from)-3] // FROM [--platform=...] image AS name
	if !strings.HasPrefix(image, "golang:") {
		t.Fatalf("the build stage starts FROM %q; want golang", image)
	}
	goVersion := strings.TrimPrefix(image, "golang:")
	if strings.HasPrefix(goVersion, "${") {
		goVersion = df.args[strings.Trim(goVersion, "${}")]
	}
	if want := goModVersion(t); goVersion != want {
		t.Errorf("the builder is golang:%s; go.mod says go %s", goVersion, want)
	}
	var runs strings.Builder
	for _, in := range df.all(build, "RUN") {
		runs.WriteString(in.args + "\n")
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "--mount=type=cache,target=/go/pkg/mod",
		"--mount=type=cache,target=/root/.cache/go-build", "-buildvcs=auto"} {
		if !strings.Contains(runs.String(), want) {
			t.Errorf("the build stage's RUN lines lack %s", want)
		}
	}
	// Each binary is built from a real main package and copied into the image.
	built := map[string]string{} // output file -> package
	for _, m := range buildRE.FindAllStringSubmatch(runs.String(), -1) {
		built[m[2]] = m[3]
		dir := filepath.Join("..", filepath.FromSlash(strings.TrimPrefix(m[3], "./")))
		if name := packageName(t, dir); name != "main" {
			t.Errorf("go build %s: package %q, not a command", m[3], name)
		}
	}
	if built["/out/consentd"] != "./server/cmd/consentd" || built["/out/healthcheck"] != "./deploy/healthcheck" {
		t.Errorf("the build stage must build consentd and the healthcheck; it builds %v", built)
	}
	installed := map[string]bool{}
	for _, in := range df.all(final, "COPY") {
		fields := strings.Fields(in.args)
		if !strings.HasPrefix(fields[0], "--from=") {
			t.Errorf("line %d: the runtime stage copies from the build context: %s", in.line, in.args)
		}
		var srcs []string
		for _, fl := range fields {
			if !strings.HasPrefix(fl, "--") {
				srcs = append(srcs, fl)
			}
		}
		dest := srcs[len(srcs)-1]
		for _, s := range srcs[:len(srcs)-1] {
			if strings.HasSuffix(dest, "/") {
				installed[dest+path.Base(s)] = true
			} else {
				installed[dest] = true
			}
		}
	}

	// Runtime: minimal, non-root, numeric user.
	base := strings.Fields(final[0].args)[0]
	if !strings.HasPrefix(base, "gcr.io/distroless/static") && base != "scratch" {
		t.Errorf("the runtime image is %s; want distroless static (or scratch)", base)
	}
	users := df.all(final, "USER")
	if len(users) == 0 {
		t.Fatal("the runtime stage has no USER: it would run as root")
	}
	uid, gid, _ := strings.Cut(users[len(users)-1].args, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Errorf("USER %q: want a numeric, non-zero uid (Kubernetes' runAsNonRoot checks it)", users[len(users)-1].args)
	}
	if gid != "" {
		if n, err := strconv.Atoi(gid); err != nil || n == 0 {
			t.Errorf("USER %q: want a numeric, non-zero gid", users[len(users)-1].args)
		}
	}
	if uid != deploymentUID(t) {
		t.Errorf("the image runs as uid %s; the Kubernetes Deployment's runAsUser is %s", uid, deploymentUID(t))
	}

	// The port, the data directory and the settings.
	exposed := df.all(final, "EXPOSE")
	if len(exposed) != 1 || strings.TrimSuffix(exposed[0].args, "/tcp") != f.port {
		t.Errorf("EXPOSE %v; consentd listens on %s", exposed, f.port)
	}
	env := df.env(final)
	for k := range env {
		if strings.HasPrefix(k, "SAMTYKKE_") && !f.env[k] {
			t.Errorf("ENV %s: consentd does not read it", k)
		}
	}
	if a := env["SAMTYKKE_ADDR"]; a != "" && !strings.HasSuffix(a, ":"+f.port) {
		t.Errorf("ENV SAMTYKKE_ADDR=%s differs from EXPOSE %s", a, f.port)
	}
	if env["SAMTYKKE_DATA_DIR"] != "/data" {
		t.Errorf("ENV SAMTYKKE_DATA_DIR=%q; want /data", env["SAMTYKKE_DATA_DIR"])
	}
	vols := df.all(final, "VOLUME")
	if len(vols) != 1 || vols[0].args != "/data" {
		t.Errorf("VOLUME %v; want /data", vols)
	}

	// HEALTHCHECK runs the healthcheck binary the image contains; by default
	// it asks /healthz (deploy/healthcheck), a route the API serves.
	bin := df.healthcheckBinary(t)
	if !installed[bin] || path.Base(bin) != "healthcheck" {
		t.Errorf("HEALTHCHECK runs %s; the image installs %v", bin, keys(installed))
	}
	if !f.routes["/healthz"]["GET"] {
		t.Error("the healthcheck's default path /healthz is not served")
	}
	entry := df.all(final, "ENTRYPOINT")
	if len(entry) != 1 || !installed[execForm(t, entry[0].args)[0]] || path.Base(execForm(t, entry[0].args)[0]) != "consentd" {
		t.Errorf("ENTRYPOINT %v must run the installed consentd", entry)
	}
	// The comment the issue asks for: why there is no Node.js stage.
	if !strings.Contains(string(read(t, "Dockerfile")), "go:embed") {
		t.Error("say in the Dockerfile that the snippet and dashboard assets are embedded (no Node stage)")
	}
}

func goModVersion(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(read(t, "../go.mod"))
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	return string(m[1])
}

func packageName(t *testing.T, dir string) string {
	t.Helper()
	// The package clause of any non-test Go file names the package.
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly)
		if err != nil {
			t.Fatal(err)
		}
		return file.Name.Name
	}
	return ""
}

// TestDockerignore: the context keeps what the build needs.
func TestDockerignore(t *testing.T) {
	patterns := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(read(t, "../.dockerignore")))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			patterns[line] = true
		}
	}
	for _, needed := range []string{"go.mod", "go.sum", "server", "snippet", "deploy", ".git", "*", "**"} {
		if patterns[needed] || patterns[needed+"/"] || patterns["/"+needed] {
			t.Errorf(".dockerignore leaves out %s, which the build needs", needed)
		}
	}
	if !patterns["**/node_modules"] && !patterns["node_modules"] {
		t.Error(".dockerignore should leave out node_modules (hundreds of MB the build never reads)")
	}

	// Nothing consentd embeds (the snippet, the dashboard, the OpenAPI
	// file, the Lua scripts) may be left out of the context, or the image
	// build fails (or, for a directory pattern, embeds less).
	embedded := 0
	err := filepath.WalkDir("..", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range regexp.MustCompile(`(?m)^\s*//go:embed (.+)$`).FindAllStringSubmatch(string(b), -1) {
			for _, pat := range strings.Fields(m[1]) {
				embedded++
				rel, _ := filepath.Rel("..", filepath.Join(filepath.Dir(p), pat))
				if ignored(patterns, filepath.ToSlash(rel)) {
					t.Errorf(".dockerignore leaves out %s, which %s embeds", rel, p)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if embedded < 3 {
		t.Errorf("found only %d go:embed patterns; is the walk broken?", embedded)
	}
}

// ignored reports whether a .dockerignore pattern matches p or one of its
// parent directories (the patterns here are simple: names, globs, **/name).
func ignored(patterns map[string]bool, p string) bool {
	parts := strings.Split(p, "/")
	for pat := range patterns {
		pat = strings.TrimPrefix(strings.TrimSuffix(pat, "/"), "/")
		for i := 1; i <= len(parts); i++ {
			prefix := strings.Join(parts[:i], "/")
			if ok, _ := path.Match(pat, prefix); ok {
				return true
			}
			if rest, ok := strings.CutPrefix(pat, "**/"); ok {
				if ok, _ := path.Match(rest, parts[i-1]); ok {
					return true
				}
			}
		}
	}
	return false
}
