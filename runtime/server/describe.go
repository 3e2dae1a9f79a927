package server

import (
	"context"
	"slices"
	"strings"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// describeRoute is the route-table entry of the schema system route.
func (srv *Server) describeRoute() *gamesrv.Route {
	return &gamesrv.Route{
		Name:       gamesrv.DescribeRoute,
		Method:     "Describe",
		Kind:       gamesrv.KindRequest,
		NewRequest: func() proto.Message { return new(gamesrvv1.DescribeRequest) },
		Handle: func(context.Context, any, gamesrv.Session, proto.Message) (proto.Message, error) {
			return srv.schema, nil
		},
	}
}

// describeServiceName names the pseudo-service of the schema route.
const describeServiceName = "gamesrv.v1.Schema"

// buildSchema describes the registered routes, once, at start.
func (srv *Server) buildSchema() *gamesrvv1.DescribeResponse {
	resp := &gamesrvv1.DescribeResponse{
		ServerType: srv.opts.ServerType, ServerId: srv.id, Serializer: srv.opts.Serializer.Name(),
	}
	files := fileSet{seen: map[string]bool{}}
	if !srv.opts.DisableDescribe {
		resp.Routes = append(resp.Routes, srv.describeSchema())
		files.add(gamesrvv1.File_gamesrv_v1_schema_proto)
	}
	for _, rg := range srv.regs {
		sd := serviceDescriptor(rg.desc.Name)
		if sd != nil {
			files.add(sd.ParentFile())
		}
		for i := range rg.desc.Routes {
			if r := &rg.desc.Routes[i]; !r.Internal {
				resp.Routes = append(resp.Routes, srv.routeSchema(rg, r, sd))
			}
		}
	}
	slices.SortFunc(resp.Routes, func(a, b *gamesrvv1.RouteSchema) int { return strings.Compare(a.Route, b.Route) })
	resp.Files = &descriptorpb.FileDescriptorSet{File: files.list}
	return resp
}

// describeSchema describes the schema route itself.
func (srv *Server) describeSchema() *gamesrvv1.RouteSchema {
	rs := &gamesrvv1.RouteSchema{
		Route: gamesrv.DescribeRoute, Kind: gamesrv.KindRequest.String(), Service: describeServiceName, Method: "Describe",
		RequestType:  string((&gamesrvv1.DescribeRequest{}).ProtoReflect().Descriptor().FullName()),
		ResponseType: string((&gamesrvv1.DescribeResponse{}).ProtoReflect().Descriptor().FullName()),
	}
	if code, ok := srv.reg.dict[gamesrv.DescribeRoute]; ok {
		rs.Code = uint32(code)
	}
	return rs
}

func (srv *Server) routeSchema(rg registration, r *gamesrv.Route, sd protoreflect.ServiceDescriptor) *gamesrvv1.RouteSchema {
	rs := &gamesrvv1.RouteSchema{
		Route: r.Name, Kind: r.Kind.String(), Service: rg.desc.Name, Method: r.Method, Remote: rg.remote,
	}
	if code, ok := srv.reg.dict[r.Name]; ok {
		rs.Code = uint32(code)
	}
	if sd == nil {
		return rs
	}
	if m := sd.Methods().ByName(protoreflect.Name(r.Method)); m != nil {
		rs.RequestType = string(m.Input().FullName())
		if r.Kind == gamesrv.KindRequest {
			rs.ResponseType = string(m.Output().FullName())
		}
	}
	return rs
}

// serviceDescriptor finds a generated service in the global registry that
// protoc-gen-go's code fills at init.
func serviceDescriptor(name string) protoreflect.ServiceDescriptor {
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
	if err != nil {
		return nil
	}
	sd, _ := d.(protoreflect.ServiceDescriptor)
	return sd
}

// fileSet collects proto files with their dependencies first.
type fileSet struct {
	seen map[string]bool
	list []*descriptorpb.FileDescriptorProto
}

func (s *fileSet) add(fd protoreflect.FileDescriptor) {
	if s.seen[fd.Path()] {
		return
	}
	s.seen[fd.Path()] = true
	imports := fd.Imports()
	for i := range imports.Len() {
		s.add(imports.Get(i).FileDescriptor)
	}
	s.list = append(s.list, protodesc.ToFileDescriptorProto(fd))
}
