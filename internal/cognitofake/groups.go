package cognitofake

import (
	"strings"
	"time"
)

// groupJSON is Cognito's GroupType.
type groupJSON struct {
	GroupName        string  `json:"GroupName"`
	UserPoolId       string  `json:"UserPoolId"`
	Description      string  `json:"Description,omitempty"`
	RoleArn          string  `json:"RoleArn,omitempty"`
	Precedence       *int32  `json:"Precedence,omitempty"`
	CreationDate     float64 `json:"CreationDate"`
	LastModifiedDate float64 `json:"LastModifiedDate"`
}

func (f *Server) groupOut(g *Group) groupJSON {
	return groupJSON{
		GroupName: g.Name, UserPoolId: f.opts.UserPoolID, Description: g.Description,
		RoleArn: g.RoleArn, Precedence: g.Precedence, CreationDate: epoch(g.Created),
		LastModifiedDate: epoch(g.Modified),
	}
}

func (f *Server) createGroup(in *request) (any, error) {
	if err := checkGroup(in); err != nil {
		return nil, err
	}
	if f.groups[in.GroupName] != nil {
		return nil, errf("GroupExistsException", "A group with the name %s already exists.", in.GroupName)
	}
	now := time.Now()
	g := &Group{
		Name: in.GroupName, Description: in.Description, RoleArn: in.RoleArn,
		Precedence: in.Precedence, Created: now, Modified: now,
	}
	f.groups[g.Name] = g
	return map[string]any{"Group": f.groupOut(g)}, nil
}

func checkGroup(in *request) error {
	switch {
	case in.GroupName == "":
		return lengthError("groupName")
	case len(in.GroupName) > 128 || strings.ContainsAny(in.GroupName, " \t\r\n"):
		return invalid("Invalid group name: %q", in.GroupName)
	case in.Precedence != nil && *in.Precedence < 0:
		return invalid("Precedence must be at least 0.")
	case in.RoleArn != "" && !strings.HasPrefix(in.RoleArn, "arn:"):
		return invalid("Invalid role ARN: %s", in.RoleArn)
	}
	return nil
}

func (f *Server) getGroup(in *request) (any, error) {
	g, err := f.group(in.GroupName)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Group": f.groupOut(g)}, nil
}

// group finds a group or answers as Cognito does.
func (f *Server) group(name string) (*Group, error) {
	if name == "" {
		return nil, lengthError("groupName")
	}
	g := f.groups[name]
	if g == nil {
		return nil, errf("ResourceNotFoundException", "Group not found.")
	}
	return g, nil
}

// member finds the user and the group of a membership operation.
func (f *Server) member(in *request) (*user, *Group, error) {
	u, err := f.lookup(in.Username)
	if err != nil {
		return nil, nil, err
	}
	g, err := f.group(in.GroupName)
	if err != nil {
		return nil, nil, err
	}
	return u, g, nil
}

func (f *Server) adminAddUserToGroup(in *request) (any, error) {
	u, g, err := f.member(in)
	if err != nil {
		return nil, err
	}
	u.groups[g.Name] = true
	return struct{}{}, nil
}

func (f *Server) adminRemoveUserFromGroup(in *request) (any, error) {
	u, g, err := f.member(in)
	if err != nil {
		return nil, err
	}
	delete(u.groups, g.Name)
	return struct{}{}, nil
}

func (f *Server) adminListGroupsForUser(in *request) (any, error) {
	u, err := f.lookup(in.Username)
	if err != nil {
		return nil, err
	}
	var gs []*Group
	for _, g := range f.sortedGroups() {
		if u.groups[g.Name] {
			gs = append(gs, g)
		}
	}
	got, next, err := paginate(gs, func(g *Group) string { return g.Name }, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := []groupJSON{}
	for _, g := range got {
		out = append(out, f.groupOut(g))
	}
	return withToken(map[string]any{"Groups": out}, "NextToken", next), nil
}

func (f *Server) listUsersInGroup(in *request) (any, error) {
	g, err := f.group(in.GroupName)
	if err != nil {
		return nil, err
	}
	var us []*user
	for _, u := range f.sortedUsers() {
		if u.groups[g.Name] {
			us = append(us, u)
		}
	}
	return pageOfUsers(us, in.NextToken, in.Limit, nil, "NextToken")
}
