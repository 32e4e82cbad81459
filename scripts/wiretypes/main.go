// Command wiretypes writes the TypeScript types of the JSON that consentd
// sends and receives, from the Go types that encode it, so that the banner
// and the dashboard never keep a hand copy:
//
//	go generate ./scripts/wiretypes   (or: go run ./scripts/wiretypes)
//
// Which Go types go into which file is the outputs list below, the one place
// to change when a type is added, moved or renamed. Types that a listed type
// uses are written too. The field names, optional fields and null follow
// encoding/json: the json tag names a field, omitempty makes it optional, a
// pointer without omitempty may be null, embedded structs are flattened,
// time.Time is an RFC 3339 string, and a string type with constants becomes
// the union of their values.
//
// A test (go test ./scripts/wiretypes) fails when a checked-in file differs
// from what this writes, so adding a field to a receipt is one Go edit, go
// generate, and the tests.
package main

//go:generate go run .

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// module is the Go module whose packages the type names below refer to.
const module = "github.com/samtykke/samtykke"

// output is one generated TypeScript file and the Go types it holds, each
// as "package/path.Name" relative to the module.
type output struct {
	File  string
	Types []string
}

// outputs: the generated files, relative to the repository root.
var outputs = []output{
	{
		// What the banner fetches (BannerConfig) and posts (Receipt).
		File: "snippet/src/wire.gen.ts",
		Types: []string{
			"server/consent.BannerConfig",
			"server/consent.Receipt",
			"server/consent.Purpose",
			// The config's rules come from the one vendor catalogue.
			"server/vendors.Rule",
			// A site's Consent Mode settings, which samtykke.js?site= carries
			// in front of the bundle (window.samtykkeGcm).
			"server/consent.ConsentMode",
		},
	},
	{
		// Settings, receipts and reports as the dashboard shows them.
		File: "dashboard/src/wire.gen.ts",
		Types: []string{
			"server/consent.SiteSettings",
			"server/consent.Site",
			"server/consent.Receipt",
			"server/consent.Report",
		},
	},
}

func main() {
	root, err := moduleRoot()
	if err != nil {
		fail(err)
	}
	files, err := generate(root, outputs)
	if err != nil {
		fail(err)
	}
	for _, o := range outputs {
		path := filepath.Join(root, o.File)
		old, _ := os.ReadFile(path)
		if bytes.Equal(old, files[o.File]) {
			continue
		}
		if err := os.WriteFile(path, files[o.File], 0o644); err != nil {
			fail(err)
		}
		fmt.Println("wiretypes: wrote", o.File)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "wiretypes:", err)
	os.Exit(1)
}

// moduleRoot is the directory of go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the module %s", module)
	}
	return filepath.Dir(gomod), nil
}

// generate returns every output's contents by file name.
func generate(root string, outs []output) (map[string][]byte, error) {
	var paths []string
	for _, o := range outs {
		for _, t := range o.Types {
			pkg, _, err := splitName(t)
			if err != nil {
				return nil, err
			}
			paths = append(paths, pkg)
		}
	}
	u, err := load(root, paths)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, o := range outs {
		b, err := u.file(o.Types)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.File, err)
		}
		files[o.File] = b
	}
	return files, nil
}

// splitName turns "server/consent.Receipt" into the package's import path
// and the type's name.
func splitName(s string) (pkg, name string, err error) {
	i := strings.LastIndex(s, ".")
	if i < 0 {
		return "", "", fmt.Errorf("type %q: want package/path.Name", s)
	}
	return module + "/" + s[:i], s[i+1:], nil
}

// universe is the loaded packages: their types, and the syntax for comments.
type universe struct {
	pkgs map[string]*types.Package
	docs map[token.Pos]string // doc comment of a type or field, by the position of its name
}

// load type-checks the given packages from source, with the export data of
// their imports that `go list -export` builds.
func load(root string, paths []string) (*universe, error) {
	paths = unique(paths)
	args := append([]string{"list", "-export", "-deps", "-json=ImportPath,Dir,GoFiles,Export,Error"}, paths...)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v\n%s", err, stderr.String())
	}
	type listed struct {
		ImportPath, Dir, Export string
		GoFiles                 []string
		Error                   *struct{ Err string }
	}
	byPath := map[string]listed{}
	var order []string // dependencies before the packages that import them
	for dec := json.NewDecoder(bytes.NewReader(out)); dec.More(); {
		var p listed
		if err := dec.Decode(&p); err != nil {
			return nil, err
		}
		if p.Error != nil {
			return nil, fmt.Errorf("%s: %s", p.ImportPath, p.Error.Err)
		}
		byPath[p.ImportPath] = p
		order = append(order, p.ImportPath)
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		p, ok := byPath[path]
		if !ok || p.Export == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(p.Export)
	})
	u := &universe{pkgs: map[string]*types.Package{}, docs: map[token.Pos]string{}}
	// A listed package that imports another listed one (consent imports
	// vendors) must see the same types, with their comments, not a second
	// copy from export data: so they are checked in dependency order, and
	// the importer hands out those already checked.
	wanted := map[string]bool{}
	for _, path := range paths {
		wanted[path] = true
	}
	srcFirst := importerFunc(func(path string) (*types.Package, error) {
		if pkg, ok := u.pkgs[path]; ok {
			return pkg, nil
		}
		return imp.Import(path)
	})
	for _, path := range order {
		if !wanted[path] {
			continue
		}
		p := byPath[path]
		var files []*ast.File
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.ParseComments)
			if err != nil {
				return nil, err
			}
			files = append(files, f)
			u.collectDocs(f)
		}
		pkg, err := (&types.Config{Importer: srcFirst}).Check(path, fset, files, nil)
		if err != nil {
			return nil, err
		}
		u.pkgs[path] = pkg
	}
	return u, nil
}

// importerFunc is a types.Importer made of a function.
type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// collectDocs keeps the doc comments of type declarations and struct fields.
func (u *universe) collectDocs(f *ast.File) {
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GenDecl:
			if n.Tok == token.TYPE && len(n.Specs) == 1 && n.Doc != nil {
				u.docs[n.Specs[0].(*ast.TypeSpec).Name.Pos()] = n.Doc.Text()
			}
		case *ast.TypeSpec:
			if n.Doc != nil {
				u.docs[n.Name.Pos()] = n.Doc.Text()
			}
		case *ast.Field:
			doc := n.Doc
			if doc == nil {
				doc = n.Comment
			}
			if doc != nil {
				for _, name := range n.Names {
					u.docs[name.Pos()] = doc.Text()
				}
			}
		}
		return true
	})
}

func unique(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// writer prints one TypeScript file.
type writer struct {
	u     *universe
	out   bytes.Buffer
	done  map[*types.TypeName]bool
	queue []*types.Named
	names map[string]*types.TypeName // TypeScript name → Go type, to refuse two types of one name
}

const header = `// Code generated by scripts/wiretypes from the Go types in server/; DO NOT EDIT.
// Change the Go type, then run: go generate ./scripts/wiretypes
// Field names are the JSON ones; an optional field may be left out, and
// "| null" marks a Go pointer that may be sent as null.

`

// file writes the types named, and every type they use, in that order.
func (u *universe) file(names []string) ([]byte, error) {
	w := &writer{u: u, done: map[*types.TypeName]bool{}, names: map[string]*types.TypeName{}}
	w.out.WriteString(header)
	for _, n := range names {
		path, name, err := splitName(n)
		if err != nil {
			return nil, err
		}
		pkg := u.pkgs[path]
		obj, ok := pkg.Scope().Lookup(name).(*types.TypeName)
		if !ok {
			return nil, fmt.Errorf("%s has no type %s", path, name)
		}
		named, ok := obj.Type().(*types.Named)
		if !ok {
			return nil, fmt.Errorf("%s.%s is not a named type", path, name)
		}
		w.queue = append(w.queue, named)
		// Each listed type is followed by the types it uses, depth first.
		for len(w.queue) > 0 {
			t := w.queue[0]
			w.queue = w.queue[1:]
			if err := w.decl(t); err != nil {
				return nil, err
			}
		}
	}
	b := bytes.TrimRight(w.out.Bytes(), "\n")
	return append(b, '\n'), nil
}

// decl writes one named type, unless written already.
func (w *writer) decl(t *types.Named) error {
	obj := t.Obj()
	if w.done[obj] {
		return nil
	}
	w.done[obj] = true
	if other, ok := w.names[obj.Name()]; ok && other != obj {
		return fmt.Errorf("two types are named %s: %s and %s", obj.Name(), other.Pkg().Path(), obj.Pkg().Path())
	}
	w.names[obj.Name()] = obj
	if _, ok := w.u.pkgs[obj.Pkg().Path()]; !ok {
		return fmt.Errorf("%s.%s is used but its package is not loaded", obj.Pkg().Path(), obj.Name())
	}
	if t.TypeParams().Len() > 0 {
		return fmt.Errorf("%s: generic types are not supported", obj.Name())
	}
	if hasCustomJSON(t) {
		return fmt.Errorf("%s has its own MarshalJSON or MarshalText; describe it by hand", obj.Name())
	}
	var body bytes.Buffer
	var deps []*types.Named
	ref := func(t types.Type) (string, error) {
		s, d, err := w.ts(t)
		deps = append(deps, d...)
		return s, err
	}
	writeDoc(&w.out, "", w.u.docs[obj.Pos()])
	switch under := t.Underlying().(type) {
	case *types.Struct:
		fields, err := jsonFields(under)
		if err != nil {
			return fmt.Errorf("%s: %w", obj.Name(), err)
		}
		fmt.Fprintf(&body, "export interface %s {\n", obj.Name())
		for _, f := range fields {
			s, err := ref(f.typ)
			if err != nil {
				return fmt.Errorf("%s.%s: %w", obj.Name(), f.goName, err)
			}
			opt := ""
			if f.omitEmpty {
				opt = "?"
				s = strings.TrimSuffix(s, " | null")
			}
			writeDoc(&body, "  ", w.u.docs[f.pos])
			fmt.Fprintf(&body, "  %s%s: %s;\n", propName(f.name), opt, s)
		}
		body.WriteString("}\n\n")
	case *types.Basic:
		if under.Info()&types.IsString != 0 {
			if values := w.enumValues(t); len(values) > 0 {
				quoted := make([]string, len(values))
				for i, v := range values {
					quoted[i] = tsString(v)
				}
				fmt.Fprintf(&body, "export type %s = %s;\n\n", obj.Name(), strings.Join(quoted, " | "))
				break
			}
		}
		s, err := ref(under)
		if err != nil {
			return fmt.Errorf("%s: %w", obj.Name(), err)
		}
		fmt.Fprintf(&body, "export type %s = %s;\n\n", obj.Name(), s)
	default:
		s, err := ref(under)
		if err != nil {
			return fmt.Errorf("%s: %w", obj.Name(), err)
		}
		fmt.Fprintf(&body, "export type %s = %s;\n\n", obj.Name(), s)
	}
	w.out.Write(body.Bytes())
	// The types this one uses come right after it, before the next listed one.
	var next []*types.Named
	for _, d := range deps {
		if !w.done[d.Obj()] {
			next = append(next, d)
		}
	}
	w.queue = append(next, w.queue...)
	return nil
}

// enumValues are the values of the package's constants of type t, in the
// order they are declared.
func (w *writer) enumValues(t *types.Named) []string {
	scope := t.Obj().Pkg().Scope()
	var consts []*types.Const
	for _, name := range scope.Names() {
		if c, ok := scope.Lookup(name).(*types.Const); ok && types.Identical(c.Type(), t) {
			consts = append(consts, c)
		}
	}
	sort.Slice(consts, func(i, j int) bool { return consts[i].Pos() < consts[j].Pos() })
	var out []string
	seen := map[string]bool{}
	for _, c := range consts {
		v, err := strconv.Unquote(c.Val().ExactString())
		if err == nil && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

var timeType = "time.Time"

// ts returns the TypeScript for a Go type used in a field, and the named
// types it refers to.
func (w *writer) ts(t types.Type) (string, []*types.Named, error) {
	switch t := t.(type) {
	case *types.Named:
		obj := t.Obj()
		if obj.Pkg() == nil {
			if obj.Name() == "error" {
				return "", nil, fmt.Errorf("an error value has no JSON form")
			}
			return w.ts(t.Underlying())
		}
		switch obj.Pkg().Path() + "." + obj.Name() {
		case timeType:
			return "string", nil, nil
		case "time.Duration":
			return "number", nil, nil
		case "encoding/json.RawMessage":
			return "unknown", nil, nil
		}
		if _, ok := w.u.pkgs[obj.Pkg().Path()]; !ok {
			return "", nil, fmt.Errorf("%s.%s: its package is not loaded; list one of its types or map it in ts()", obj.Pkg().Path(), obj.Name())
		}
		return obj.Name(), []*types.Named{t}, nil
	case *types.Alias:
		return w.ts(types.Unalias(t))
	case *types.Basic:
		switch {
		case t.Info()&types.IsBoolean != 0:
			return "boolean", nil, nil
		case t.Info()&types.IsString != 0:
			return "string", nil, nil
		case t.Info()&types.IsNumeric != 0 && t.Info()&types.IsComplex == 0:
			return "number", nil, nil
		}
		return "", nil, fmt.Errorf("%s has no JSON form", t)
	case *types.Pointer:
		s, d, err := w.ts(t.Elem())
		return s + " | null", d, err
	case *types.Slice:
		if b, ok := t.Elem().Underlying().(*types.Basic); ok && b.Kind() == types.Byte {
			return "string", nil, nil // base64
		}
		s, d, err := w.ts(t.Elem())
		if strings.ContainsAny(s, " |") {
			s = "(" + s + ")"
		}
		return s + "[]", d, err
	case *types.Array:
		s, d, err := w.ts(t.Elem())
		if strings.ContainsAny(s, " |") {
			s = "(" + s + ")"
		}
		return s + "[]", d, err
	case *types.Map:
		k, kd, err := w.ts(t.Key())
		if err != nil {
			return "", nil, err
		}
		v, vd, err := w.ts(t.Elem())
		if k == "string" || !isStringNamed(t.Key()) {
			// encoding/json writes every map key as a string.
			return "Record<string, " + v + ">", vd, err
		}
		// Keyed by a string type with constants: a map need not hold them all.
		return "Partial<Record<" + k + ", " + v + ">>", append(kd, vd...), err
	case *types.Interface:
		return "unknown", nil, nil
	case *types.Struct:
		return "", nil, fmt.Errorf("anonymous struct: give it a name")
	}
	return "", nil, fmt.Errorf("%s has no JSON form", t)
}

func isStringNamed(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}

// hasCustomJSON reports whether t encodes itself.
func hasCustomJSON(t *types.Named) bool {
	for _, m := range []string{"MarshalJSON", "MarshalText"} {
		for _, recv := range []types.Type{t, types.NewPointer(t)} {
			if obj, _, _ := types.LookupFieldOrMethod(recv, true, t.Obj().Pkg(), m); obj != nil {
				if _, ok := obj.(*types.Func); ok {
					return true
				}
			}
		}
	}
	return false
}

// field is one member of a struct's JSON object.
type field struct {
	name, goName string
	typ          types.Type
	omitEmpty    bool
	tagged       bool
	depth        int
	pos          token.Pos
	index        []int
}

// jsonFields lists a struct's JSON members as encoding/json finds them:
// exported fields and those of embedded structs, the json tag's name,
// shallower fields hiding deeper ones of the same name, and at equal depth
// a tagged one winning (or neither, when both or none are tagged).
func jsonFields(s *types.Struct) ([]field, error) {
	var all []field
	var walk func(s *types.Struct, depth int, index []int) error
	walk = func(s *types.Struct, depth int, index []int) error {
		for i := 0; i < s.NumFields(); i++ {
			v := s.Field(i)
			tag := reflect.StructTag(s.Tag(i)).Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			idx := append(append([]int{}, index...), i)
			if v.Embedded() && name == "" {
				t := v.Type()
				if p, ok := t.(*types.Pointer); ok {
					t = p.Elem()
				}
				if st, ok := t.Underlying().(*types.Struct); ok {
					if depth > 8 {
						return fmt.Errorf("embedding too deep at %s", v.Name())
					}
					if err := walk(st, depth+1, idx); err != nil {
						return err
					}
					continue
				}
				if !v.Exported() {
					continue
				}
			} else if !v.Exported() {
				continue
			}
			f := field{name: name, goName: v.Name(), typ: v.Type(), tagged: name != "", depth: depth, pos: v.Pos(), index: idx}
			if f.name == "" {
				f.name = v.Name()
			}
			for _, o := range strings.Split(opts, ",") {
				switch o {
				case "omitempty", "omitzero":
					f.omitEmpty = true
				case "string":
					return fmt.Errorf("%s: the ,string option is not supported", v.Name())
				}
			}
			all = append(all, f)
		}
		return nil
	}
	if err := walk(s, 0, nil); err != nil {
		return nil, err
	}
	byName := map[string][]field{}
	var order []string
	for _, f := range all {
		if _, ok := byName[f.name]; !ok {
			order = append(order, f.name)
		}
		byName[f.name] = append(byName[f.name], f)
	}
	var out []field
	for _, name := range order {
		fs := byName[name]
		min := fs[0].depth
		for _, f := range fs {
			if f.depth < min {
				min = f.depth
			}
		}
		var top, tagged []field
		for _, f := range fs {
			if f.depth == min {
				top = append(top, f)
				if f.tagged {
					tagged = append(tagged, f)
				}
			}
		}
		switch {
		case len(top) == 1:
			out = append(out, top[0])
		case len(tagged) == 1:
			out = append(out, tagged[0])
		}
	}
	// In Go's field order (the order encoding/json writes them in).
	sort.SliceStable(out, func(i, j int) bool { return lessIndex(out[i].index, out[j].index) })
	return out, nil
}

func lessIndex(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

// writeDoc writes a Go doc comment as a JSDoc comment.
func writeDoc(b *bytes.Buffer, indent, doc string) {
	doc = strings.TrimSpace(strings.ReplaceAll(doc, "*/", "* /"))
	if doc == "" {
		return
	}
	lines := strings.Split(doc, "\n")
	if len(lines) == 1 {
		fmt.Fprintf(b, "%s/** %s */\n", indent, lines[0])
		return
	}
	fmt.Fprintf(b, "%s/**\n", indent)
	for _, l := range lines {
		if l == "" {
			fmt.Fprintf(b, "%s *\n", indent)
		} else {
			fmt.Fprintf(b, "%s * %s\n", indent, l)
		}
	}
	fmt.Fprintf(b, "%s */\n", indent)
}

// propName quotes a property name that is not a plain identifier.
func propName(s string) string {
	for i, r := range s {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return tsString(s)
		}
	}
	if s == "" {
		return "''"
	}
	return s
}

// tsString is a single-quoted TypeScript string literal.
func tsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\r", `\r`, "\u2028", `\u2028`, "\u2029", `\u2029`)
	return "'" + r.Replace(s) + "'"
}
