package views_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPurePackagesCompileNoStorage pins the layering: the views, the forms
// and the contract render and validate without compiling the queue or the
// ORM, so they can be read, tested and reused without a database.
func TestPurePackagesCompileNoStorage(t *testing.T) {
	for _, pkg := range []string{"../views", "../forms", "../catalog", "../hostguard", "../paths"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, banned := range []string{"github.com/riverqueue/", "gorm.io/", "github.com/loadhook/loadhook/models", "github.com/loadhook/loadhook/webhook"} {
				if strings.HasPrefix(dep, banned) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}
