package views

// ErrorProps are the props of the error page.
type ErrorProps struct {
	Page    Page
	Status  int
	Heading string
	Message string
}
