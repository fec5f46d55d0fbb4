package handlers

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/loadhook/loadhook/forms"
)

// layoutWidths are the viewport widths the layout tests check: a desktop
// and a phone.
var layoutWidths = []int64{1280, phoneWidth}

// emulateWidth sizes the viewport, as a phone at phoneWidth.
func emulateWidth(t *testing.T, ctx context.Context, width int64) {
	t.Helper()
	if width == phoneWidth {
		do(t, ctx, "emulate a phone", chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile))
		return
	}
	do(t, ctx, fmt.Sprintf("emulate a %d px screen", width), chromedp.EmulateViewport(width, 900))
}

// setScripts turns the page's JavaScript on or off for the next navigation.
func setScripts(t *testing.T, ctx context.Context, on bool) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on}); err != nil {
		t.Fatalf("turn scripts on=%v: %v", on, err)
	}
}

// overlapsInHeaders lists every help or error text in the custom headers
// section whose box covers one of its inputs or buttons.
const overlapsInHeaders = `(() => {
	const section = document.getElementById('headers');
	const shown = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
	const name = el => el.id || el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).replace(/ /g, '.') : '');
	const texts = [...section.querySelectorAll('small, p, .field-error')].filter(shown);
	const controls = [...section.querySelectorAll('input:not([type=hidden]), button')].filter(shown);
	const found = [];
	for (const text of texts) {
		const a = text.getBoundingClientRect();
		for (const control of controls) {
			const b = control.getBoundingClientRect();
			const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
			const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
			if (w > 0.5 && h > 0.5) found.push(name(text) + ' covers ' + name(control) + ' by ' + Math.round(h) + ' px');
		}
	}
	return found;
})()`

// readHeaderRows reads each header row as
// "name|value|name aria-invalid|value aria-invalid|name message|value message",
// a message being "error", "help" or "none".
const readHeaderRows = `[...document.querySelectorAll('[data-header-rows] .header-row')].map(row => {
	const message = input => {
		const small = input.parentElement.querySelector('small');
		return !small ? 'none' : small.classList.contains('field-error') ? 'error' : 'help';
	};
	const n = row.querySelector('[name=header_name]'), v = row.querySelector('[name=header_value]');
	return [n.value, v.value, n.getAttribute('aria-invalid') || 'false', v.getAttribute('aria-invalid') || 'false', message(n), message(v)].join('|');
})`

// TestBrowserLayoutHeaderErrors: a bad submit of the endpoint form, new and
// edit, with and without JavaScript, at desktop and phone width, shows each
// header's error under its input, never over an input, keeps what was
// typed and marks the fields aria-invalid. Without JavaScript the form is
// saved; with it, "Send a test to this URL" swaps the form with its errors
// in through htmx.
func TestBrowserLayoutHeaderErrors(t *testing.T) {
	app := newTestAppWith(t, appOptions{allowedHosts: "loopback"})
	ctx := newBrowser(t)
	_, id, _ := seedBrowserAccount(t, ctx, app, "layout.headers@example.com")
	// A name with a space, then a value one character too long, then a
	// header loadhook may not set.
	longValue := strings.Repeat("v", forms.MaxHeaderValueLen+1)
	bad := []forms.HeaderRow{{Name: "X Team", Value: longValue}, {Name: "Host", Value: "example.com"}}
	wantBad := []string{"X Team|" + longValue + "|true|true|error|error", "Host|example.com|true|false|error|none"}
	pages := []struct {
		name, path string
		// kept are the rows the page starts with, untouched by the submit.
		kept []string
	}{
		{"new", "/profile/integrations/webhook/endpoints/new", nil},
		{"edit", endpointPath(id, "edit"), []string{"Authorization|Bear••••••••|false|false|none|help"}},
	}
	for _, width := range layoutWidths {
		for _, pg := range pages {
			for _, js := range []bool{false, true} {
				mode := map[bool]string{false: "save-without-js", true: "try-with-htmx"}[js]
				t.Run(fmt.Sprintf("%s/%d/%s", pg.name, width, mode), func(t *testing.T) {
					setScripts(t, ctx, js)
					emulateWidth(t, ctx, width)
					do(t, ctx, "open the form", chromedp.Navigate(app.srv.URL+pg.path), chromedp.WaitVisible(tid("endpoint-form")))
					if loaded := run(t, ctx, "look for htmx", chromedp.Evaluate[bool](`!!window.htmx`)); loaded != js {
						t.Fatalf("htmx loaded: %v, want %v", loaded, js)
					}
					// Without JavaScript each Add header is a round trip.
					for i := range bad {
						row := len(pg.kept) + i
						do(t, ctx, "add a header row", chromedp.Click(tid("add-header")))
						waitFor(t, ctx, "the new row", fmt.Sprintf(`!!document.getElementById('header-name-%d')`, row))
					}
					do(t, ctx, "type a loopback URL", chromedp.SetValue(chromedp.ID("url"), "http://127.0.0.1:9/hook"))
					if pg.kept == nil {
						do(t, ctx, "choose an event", chromedp.Click(tid("event-TEST_STARTED")))
					}
					for i, h := range bad {
						row := len(pg.kept) + i
						do(t, ctx, "type a bad header",
							chromedp.SetValue(chromedp.ID(fmt.Sprintf("header-name-%d", row)), h.Name),
							chromedp.SetValue(chromedp.ID(fmt.Sprintf("header-value-%d", row)), h.Value))
					}
					submit := "save-endpoint"
					if js {
						submit = "try-endpoint"
					}
					// htmx swaps the form in place: the page stays the same
					// document, which a plain submit replaces.
					do(t, ctx, "submit", chromedp.Evaluate[chromedp.Void](`window.__beforeSubmit = true`), chromedp.Click(tid(submit)))
					for i := range bad {
						waitFor(t, ctx, "the bad header's error", fmt.Sprintf(`!!document.getElementById('header-name-%d-error')`, len(pg.kept)+i))
					}

					if same := run(t, ctx, "look for the page before", chromedp.Evaluate[bool](`!!window.__beforeSubmit`)); same != js {
						t.Errorf("the page before the submit is still there: %v, want %v", same, js)
					}
					got := run(t, ctx, "read the header rows", chromedp.Evaluate[[]string](readHeaderRows))
					if want := append(append([]string{}, pg.kept...), wantBad...); strings.Join(got, "\n") != strings.Join(want, "\n") {
						t.Errorf("header rows after the submit:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
					}
					if overlaps := run(t, ctx, "measure the headers", chromedp.Evaluate[[]string](overlapsInHeaders)); len(overlaps) > 0 {
						t.Errorf("text over the header inputs: %s", strings.Join(overlaps, "; "))
					}
					if width == phoneWidth {
						assertFitsPhone(t, ctx, pg.path+" after a bad submit")
					}
				})
			}
		}
	}
}

// measureDateFilters sets each date filter to a date and time and lists
// what is wrong with it: its value clipped, or its box outside its cell of
// the filter grid, the filter form or the viewport.
const measureDateFilters = `(() => {
	const form = document.querySelector('[data-testid=filter-form]').getBoundingClientRect();
	const inputs = [...document.querySelectorAll('[data-testid=filter-form] input[type=datetime-local]')];
	if (inputs.length !== 2) return ['found ' + inputs.length + ' date filters, want 2'];
	const found = [];
	for (const input of inputs) {
		input.value = '2026-12-01T10:30';
		input.dispatchEvent(new Event('input', {bubbles: true}));
		if (input.value !== '2026-12-01T10:30') found.push(input.id + ' took no value');
		const r = input.getBoundingClientRect();
		if (input.scrollWidth > input.clientWidth + 1) found.push(input.id + ' scrolls: ' + input.scrollWidth + ' px of value in ' + input.clientWidth + ' px');
		// Chromium clips a date's fields inside the input without scrollWidth
		// growing, so also compare with a copy as wide as its value.
		const copy = input.cloneNode();
		copy.removeAttribute('id');
		copy.style.cssText = 'field-sizing: content; width: auto; max-width: none; position: absolute; visibility: hidden';
		input.after(copy);
		copy.value = input.value;
		const needed = copy.getBoundingClientRect().width;
		copy.remove();
		if (r.width < needed - 1) found.push(input.id + ' is clipped: ' + Math.round(r.width) + ' px wide, its value needs ' + Math.round(needed));
		const outside = (box, what) => {
			if (r.left < box.left - 0.5 || r.right > box.right + 0.5) found.push(input.id + ' spans ' + Math.round(r.left) + '–' + Math.round(r.right) + ' px, outside its ' + what + ' ' + Math.round(box.left) + '–' + Math.round(box.right));
		};
		outside(input.parentElement.getBoundingClientRect(), 'cell');
		outside(form, 'form');
		const screen = document.documentElement.clientWidth;
		if (r.left < 0 || r.right > screen + 0.5) found.push(input.id + ' ends at ' + Math.round(r.right) + ' px, off a ' + screen + ' px screen');
	}
	return found;
})()`

// TestBrowserLayoutDeliveryDateFilters: the delivery log's From and Until
// filters show a whole date and time, inside their form and the screen, at
// desktop and phone width.
func TestBrowserLayoutDeliveryDateFilters(t *testing.T) {
	app := newTestApp(t)
	ctx := newBrowser(t)
	_, id, _ := seedBrowserAccount(t, ctx, app, "layout.filters@example.com")
	for _, width := range layoutWidths {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			emulateWidth(t, ctx, width)
			do(t, ctx, "open the delivery log", chromedp.Navigate(app.srv.URL+endpointPath(id, "deliveries")), chromedp.WaitVisible(tid("filter-form")))
			if problems := run(t, ctx, "measure the date filters", chromedp.Evaluate[[]string](measureDateFilters)); len(problems) > 0 {
				t.Errorf("date filters at %d px: %s", width, strings.Join(problems, "; "))
			}
		})
	}
}
