package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/metrics"
)

// Error is the one error type handlers return for problems they detect
// themselves; handleError turns it and the domain's errors into responses.
type Error struct {
	Status int `json:"-"`
	// RetryAfter, when positive, is sent as the Retry-After header (in
	// seconds); a 503 always gets one.
	RetryAfter int                  `json:"-"`
	Code       string               `json:"code"`
	Message    string               `json:"message"`
	Fields     []consent.FieldError `json:"fields,omitempty"`
}

func (e *Error) Error() string { return e.Message }

// NewError builds an Error with a formatted message.
func NewError(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// retryAfterSeconds tells clients when to try again after a 503. The
// snippet's outbox retries on its own schedule; other clients need a hint.
const retryAfterSeconds = 2

// toAPIError maps any error to the response it deserves.
func toAPIError(err error) *Error {
	var ae *Error
	var ve *consent.ValidationError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &ve):
		status, code := http.StatusUnprocessableEntity, "invalid"
		for _, f := range ve.Fields {
			if f.Field == "body" {
				status, code = http.StatusBadRequest, "malformed"
			}
		}
		return &Error{Status: status, Code: code, Message: ve.Error(), Fields: ve.Fields}
	case errors.Is(err, consent.ErrNotFound):
		return NewError(http.StatusNotFound, "not_found", "not found")
	case errors.Is(err, consent.ErrConflict):
		return NewError(http.StatusConflict, "conflict", "already exists")
	case errors.Is(err, errClientTimeout):
		return NewError(http.StatusRequestTimeout, "timeout",
			"the request did not arrive in full in time; nothing was stored, please retry")
	case errors.Is(err, errClientIncomplete):
		return NewError(http.StatusBadRequest, "incomplete",
			"the connection ended before the request did; nothing was stored, please retry")
	case errors.Is(err, errClientGone):
		// Nobody reads this answer; what matters is that it is not
		// counted as the server's failure.
		return NewError(http.StatusBadRequest, "client_closed", "the client closed the connection before the answer")
	case errors.Is(err, consent.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return NewError(http.StatusServiceUnavailable, "unavailable",
			"the consent store cannot be reached right now; nothing was stored, please retry")
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusRequestEntityTooLarge:
			return &Error{Status: he.Code, Code: "too_large", Message: "body is larger than the limit of " + adminBodyLimitText,
				Fields: []consent.FieldError{{Field: "body", Message: "must be at most " + adminBodyLimitText}}}
		case http.StatusNotFound:
			return NewError(he.Code, "not_found", "no such endpoint; see /openapi.json for the API")
		case http.StatusMethodNotAllowed:
			return NewError(he.Code, "method_not_allowed", "method not allowed on this endpoint")
		}
		return NewError(he.Code, "http_error", "%v", he.Message)
	}
	return NewError(http.StatusInternalServerError, "internal", "internal error; it has been logged")
}

// Failures of the client's side of the connection. They are the client's
// problem, not the server's: 4xx, so they stay out of the 5xx alert, and
// logged without the net error's text, which names the client's address
// and port.
var (
	errClientTimeout    = errors.New("the client did not send its request in time")
	errClientIncomplete = errors.New("the client's connection ended early")
	errClientGone       = errors.New("the client closed the connection")
)

// clientFailure classifies err as a failure of the client's connection (a
// request body that stalled past the server's ReadTimeout, a reset, a body
// shorter than announced, a client that left while the server worked), or
// returns nil. r's context is the connection's (see Deadline), which
// net/http cancels when the client goes away.
func clientFailure(err error, r *http.Request) error {
	var op *net.OpError
	switch {
	case errors.As(err, &op) && op.Addr != nil && op.Addr.String() == r.RemoteAddr:
		// Only the client's connection: a net error of the store's
		// connections names the store's address and is the server's.
		if op.Timeout() {
			return errClientTimeout
		}
		return errClientIncomplete
	case errors.Is(err, io.ErrUnexpectedEOF):
		// A body shorter than its Content-Length. (The stores do not wrap
		// their connections' errors with %w, so theirs do not land here.)
		return errClientIncomplete
	case errors.Is(err, errClientTimeout), errors.Is(err, errClientIncomplete), errors.Is(err, errClientGone):
		return err
	case errors.Is(r.Context().Err(), context.Canceled):
		return errClientGone
	}
	return nil
}

// handleError is echo's HTTPErrorHandler: it logs what needs attention and
// answers JSON {"error": {...}}.
func (s *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	r := c.Request()
	if cf := clientFailure(err, r); cf != nil {
		err = cf // whatever the handler made of it, and without the net error's text
	}
	ae := toAPIError(err)
	if ae.Status == http.StatusNotFound || ae.Status == http.StatusMethodNotAllowed {
		ae = s.methodNotAllowed(c, ae)
	}
	log := s.log.With("route", s.routeOf(c), "method", metrics.Method(r.Method), "status", ae.Status)
	switch {
	case ae.Status >= 500:
		// The cause may name internal details; it goes to the log only,
		// without the client's address (net errors name both ends).
		log.Error("request failed", "err", s.scrubClient(err.Error(), c))
	case ae.Status >= 400 && ae.Status != http.StatusNotFound:
		log.Debug("request refused", "err", ae.Message)
	}
	h := c.Response().Header()
	switch {
	case ae.RetryAfter > 0:
		h.Set("Retry-After", strconv.Itoa(ae.RetryAfter))
	case ae.Status == http.StatusServiceUnavailable:
		h.Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	}
	if ae.Status == http.StatusNoContent || r.Method == http.MethodHead {
		err = c.NoContent(ae.Status)
	} else {
		err = c.JSON(ae.Status, map[string]*Error{"error": ae})
	}
	if err != nil {
		log.Warn("could not send error response", "err", s.scrubClient(err.Error(), c))
	}
}

// methodNotAllowed turns "no route" into 405 with Allow when the path is
// known under other methods. echo finds that by itself only for paths
// outside route groups: a group's catch-all (which makes its middleware run
// on every path under it) answers 404 first. So the answer is worked out
// here, for every route, the dashboard's included: the router is asked for the
// path under each method in use. OPTIONS on a known path answers 204 with
// Allow, as echo does outside groups.
func (s *server) methodNotAllowed(c echo.Context, ae *Error) *Error {
	if s.routes == nil || s.routes[routingMethod(c)+" "+c.Path()] {
		return ae // a route was found: its handler's own 404 stands
	}
	path := echo.GetPath(c.Request())
	var allow []string
	template := ""
	for _, m := range s.methods {
		probe := s.e.NewContext(nil, nil)
		s.e.Router().Find(m, path, probe)
		if s.routes[m+" "+probe.Path()] {
			allow = append(allow, m)
			template = probe.Path()
			if m == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
	}
	if len(allow) == 0 {
		if ae.Status == http.StatusMethodNotAllowed {
			return NewError(http.StatusNotFound, "not_found", "no such endpoint; see /openapi.json for the API")
		}
		return ae
	}
	if !slices.Contains(allow, http.MethodOptions) {
		allow = append(allow, http.MethodOptions)
	}
	sort.Strings(allow)
	c.Set(routeKey, template)
	c.Response().Header().Set("Allow", strings.Join(allow, ", "))
	if c.Request().Method == http.MethodOptions {
		return &Error{Status: http.StatusNoContent}
	}
	return NewError(http.StatusMethodNotAllowed, "method_not_allowed",
		"%s is not allowed here; allowed: %s", metrics.Method(c.Request().Method), strings.Join(allow, ", "))
}

// routeKey overrides the route template of a request (set for 405s, whose
// router match is a group's catch-all).
const routeKey = "samtykke.route"

// routeOf returns the route template, never the raw path, so logs and
// metric labels stay bounded: a registered template, or "unmatched".
func (s *server) routeOf(c echo.Context) string {
	if r, ok := c.Get(routeKey).(string); ok {
		return r
	}
	// For a path that matches nothing echo leaves the template empty; for
	// a group's catch-all it names the catch-all, which is no route.
	if p := c.Path(); s.templates[p] {
		return p
	}
	return "unmatched"
}

// scrubClient removes the client's address from text: net errors name both
// ends of a connection, and the README promises that no full client
// address is written or logged. Other addresses (the store's) stay, for
// the operator.
func (s *server) scrubClient(text string, c echo.Context) string {
	client := map[netip.Addr]bool{}
	if ap, err := netip.ParseAddrPort(c.Request().RemoteAddr); err == nil {
		client[ap.Addr().Unmap()] = true
	}
	if a, err := netip.ParseAddr(c.RealIP()); err == nil {
		client[a.Unmap()] = true
	}
	return scrubAddrs(text, func(a netip.Addr) bool { return client[a] })
}

// addrRE finds IPv4 and IPv6 addresses, with a port or not, as net errors and
// net/http write them ("10.1.2.3:5678", "[2001:db8::1]:443", "::1").
var addrRE = regexp.MustCompile(`\[[0-9A-Fa-f:.]+(?:%[^\]]*)?\](?::\d+)?|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|[0-9A-Fa-f]*:[0-9A-Fa-f:]*:[0-9A-Fa-f.]*`)

// scrubAddrs replaces every address in text that match accepts (every
// address when match is nil) by its /24 or /48 network, port dropped.
func scrubAddrs(text string, match func(netip.Addr) bool) string {
	return addrRE.ReplaceAllStringFunc(text, func(m string) string {
		host := m
		if ap, err := netip.ParseAddrPort(m); err == nil {
			host = ap.Addr().String()
		} else if strings.HasPrefix(m, "[") {
			host = strings.TrimPrefix(m[:strings.Index(m, "]")], "[")
		}
		a, err := netip.ParseAddr(host)
		if err != nil {
			return m // a time of day, a MAC, not an address
		}
		a = a.Unmap().WithZone("")
		if match != nil && !match(a) {
			return m
		}
		if a.Is4() {
			return consent.TruncateIP(a.String()) + "/24"
		}
		return consent.TruncateIP(a.String()) + "/48"
	})
}
