package provider_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strings"
	"testing"

	"github.com/seed-dcc28122/credprocess/provider"
)

// TestErrorTypesDocumented: the error types are aliases of internal types,
// whose fields documentation tools do not show; errors.go lists them in the
// alias's comment, and must list every exported field and method.
func TestErrorTypesDocumented(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "errors.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{}
	for _, decl := range f.Decls {
		if g, ok := decl.(*ast.GenDecl); ok && g.Tok == token.TYPE {
			docs[g.Specs[0].(*ast.TypeSpec).Name.Name] = g.Doc.Text()
		}
	}
	for name, typ := range map[string]reflect.Type{
		"ProcessError": reflect.TypeFor[provider.ProcessError](),
		"OutputError":  reflect.TypeFor[provider.OutputError](),
	} {
		doc := docs[name]
		for i := range typ.NumField() {
			fld := typ.Field(i)
			if !fld.IsExported() {
				continue
			}
			decl := "\t" + fld.Name + " " + strings.ReplaceAll(fld.Type.String(), "execjson.", "")
			if !strings.Contains(doc, decl) {
				t.Errorf("%s's comment does not declare field %q", name, strings.TrimSpace(decl))
			}
		}
		flat := strings.Join(strings.Fields(doc), " ")
		ptr := reflect.PointerTo(typ)
		for i := range ptr.NumMethod() {
			if m := ptr.Method(i).Name; !strings.Contains(flat, m+" ") {
				t.Errorf("%s's comment does not describe method %s", name, m)
			}
		}
	}
}
