// Package forms parses and validates what users type into the web app's
// forms. Each form is a struct holding exactly what was typed, so a page can
// be re-rendered with the input kept, and each Validate returns a struct of
// per-field messages that the views show beside the fields.
package forms
