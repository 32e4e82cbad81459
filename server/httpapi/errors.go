package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/consent"
)

// Error is the one error type handlers return for problems they detect
// themselves; handleError turns it and the domain's errors into responses.
// Packages that mount routes on the API (the dashboard) return it too.
type Error struct {
	Status  int                  `json:"-"`
	Code    string               `json:"code"`
	Message string               `json:"message"`
	Fields  []consent.FieldError `json:"fields,omitempty"`
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

// handleError is echo's HTTPErrorHandler: it logs what needs attention and
// answers JSON {"error": {...}}.
func (s *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	ae := toAPIError(err)
	log := s.log.With("route", routeOf(c), "method", c.Request().Method, "status", ae.Status)
	switch {
	case ae.Status >= 500:
		// The cause may name internal details; it goes to the log only.
		log.Error("request failed", "err", err.Error())
	case ae.Status != http.StatusNotFound:
		log.Debug("request refused", "err", ae.Message)
	}
	if ae.Status == http.StatusServiceUnavailable {
		c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	}
	if c.Request().Method == http.MethodHead {
		err = c.NoContent(ae.Status)
	} else {
		err = c.JSON(ae.Status, map[string]*Error{"error": ae})
	}
	if err != nil {
		log.Warn("could not send error response", "err", err)
	}
}

// routeOf returns the route template, never the raw path, so logs and
// metric labels stay bounded.
func routeOf(c echo.Context) string {
	// For a path that matches nothing echo leaves the template empty; for
	// a partial match it names a registered template, which is bounded too.
	if p := c.Path(); p != "" {
		return p
	}
	return "unmatched"
}
