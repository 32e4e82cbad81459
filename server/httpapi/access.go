package httpapi

import (
	"context"
	"errors"
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
)

// This file is the one place that decides which sites a principal may
// reach. Every route under /dashboard/api/sites/:site passes siteAccess;
// the site list uses visibleSites; siteAccessList tells an owner who else
// was granted the site. Tests walk every registered site route
// to check that a user without a grant gets 404 from each.

const (
	ctxSite = "dashboard.site"
	ctxRole = "dashboard.role"
)

// roleOn returns the principal's role on a site, and false if they have
// none. Operators own every site.
func (s *server) roleOn(ctx context.Context, p principal, siteID string) (accounts.Role, bool, error) {
	if p.Operator {
		return accounts.Owner, true, nil
	}
	grants, err := s.Accounts.Grants(ctx, p.User.ID)
	if err != nil {
		return "", false, err
	}
	for _, g := range grants {
		if g.SiteID == siteID {
			return g.Role, true, nil
		}
	}
	return "", false, nil
}

// siteAccess loads the site of the route for a principal who was granted
// it, and answers 404 otherwise: the same answer as for a site that does
// not exist, so that ids cannot be probed.
func (s *server) siteAccess(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Param("site")
		ctx := c.Request().Context()
		role, ok, err := s.roleOn(ctx, principalOf(c), id)
		if err != nil {
			return err
		}
		if !ok {
			return errNoSite(id)
		}
		site, err := s.store.Site(ctx, id)
		if errors.Is(err, consent.ErrNotFound) {
			return errNoSite(id)
		}
		if err != nil {
			return err
		}
		c.Set(ctxSite, site)
		c.Set(ctxRole, role)
		return next(c)
	}
}

// need refuses principals whose role on the site is below r.
func need(r accounts.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !roleOf(c).Allows(r) {
				return NewError(http.StatusForbidden, "forbidden",
					"viewers can see this site's numbers but not change it; ask an owner of the site")
			}
			return next(c)
		}
	}
}

func siteOf(c echo.Context) consent.Site {
	s, _ := c.Get(ctxSite).(consent.Site)
	return s
}

func roleOf(c echo.Context) accounts.Role {
	r, _ := c.Get(ctxRole).(accounts.Role)
	return r
}

// visibleSites returns the sites a principal may see with their role on
// each: every site for operators, the granted ones (that still exist) for
// others.
func (s *server) visibleSites(ctx context.Context, p principal) ([]consent.Site, map[string]accounts.Role, error) {
	roles := map[string]accounts.Role{}
	if p.Operator {
		sites, err := s.store.Sites(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, site := range sites {
			roles[site.ID] = accounts.Owner
		}
		consent.SortSites(sites)
		return sites, roles, nil
	}
	grants, err := s.Accounts.Grants(ctx, p.User.ID)
	if err != nil {
		return nil, nil, err
	}
	sites := make([]consent.Site, 0, len(grants))
	for _, g := range grants {
		site, err := s.store.Site(ctx, g.SiteID)
		if errors.Is(err, consent.ErrNotFound) {
			continue // deleted since it was granted
		}
		if err != nil {
			return nil, nil, err
		}
		sites = append(sites, site)
		roles[site.ID] = g.Role
	}
	consent.SortSites(sites)
	return sites, roles, nil
}

// siteAccessList tells an owner who else can reach the site.
func (s *server) siteAccessList(c echo.Context) error {
	ctx := c.Request().Context()
	grants, err := s.Accounts.SiteGrants(ctx, siteOf(c).ID)
	if err != nil {
		return err
	}
	type row struct {
		Email string        `json:"email"`
		Role  accounts.Role `json:"role"`
	}
	out := []row{}
	for _, g := range grants {
		u, err := s.Accounts.User(ctx, g.UserID)
		if err != nil {
			continue
		}
		out = append(out, row{u.Email, g.Role})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Email < out[j].Email })
	return c.JSON(http.StatusOK, map[string]any{"people": out})
}
