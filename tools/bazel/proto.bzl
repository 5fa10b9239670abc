"""C++ code generation for .proto files with Debian's protoc and grpc_cpp_plugin.

helpdesk_proto_library(name = "x", srcs = [...], deps = [...]) defines
  :x_srcs            the .proto files of x itself (a filegroup)
  :x_proto           the .proto files of x and everything it imports (a filegroup)
  :x_cc_proto        the C++ messages (and gRPC stubs when grpc = True)
  :x_descriptor_set  a FileDescriptorSet of x with all its imports and source info

Generated files land in Bazel's output tree, are compiled without our warning
flags, and are included as "<proto path>.pb.h", e.g.
"helpdesk/auth/v1/auth.pb.h". `deps` name other helpdesk_proto_library targets.
The package holding the call must be the proto import root.
"""

_PROTOC = "@system//:bin/protoc"
_GRPC_PLUGIN = "@system//:bin/grpc_cpp_plugin"

# Import roots every protoc call sees besides the calling package: Debian's
# standard imports, and the well-known types installed with libprotobuf-dev.
_STANDARD_IMPORT_ROOTS = ["external/system_protos", "/usr/include"]

def _package_exec_root():
    repo = native.repository_name()
    root = "" if repo == "@" else "external/" + repo[1:]
    package = native.package_name()
    if root and package:
        return root + "/" + package
    return root or package

def _strip_ext(path):
    return path[:-len(".proto")]

def _descriptor_set(name, srcs, inputs, includes, visibility, testonly):
    native.genrule(
        name = name,
        srcs = srcs,
        outs = [name + ".pb"],
        tools = [_PROTOC],
        cmd = "$(execpath %s) %s --include_imports --include_source_info --descriptor_set_out=$@ %s" % (
            _PROTOC,
            includes,
            inputs,
        ),
        visibility = visibility,
        testonly = testonly,
    )

def _includes(root):
    roots = [root] + [r for r in _STANDARD_IMPORT_ROOTS if r != root]
    return " ".join(["-I" + r for r in roots])

def helpdesk_descriptor_set(name, libraries, visibility = None):
    """One FileDescriptorSet of several helpdesk_proto_library targets.

    Holds every file of `libraries` and their imports, with source info (the
    gateway reads routes and comments from it).
    """
    root = _package_exec_root()
    _descriptor_set(
        name = name,
        srcs = [lib + "_proto" for lib in libraries] +
               [lib + "_srcs" for lib in libraries],
        inputs = " ".join(["$(locations %s_srcs)" % lib for lib in libraries]),
        includes = _includes(root),
        visibility = visibility,
        testonly = False,
    )

def helpdesk_proto_library(name, srcs, deps = [], grpc = True, visibility = None, testonly = False):
    root = _package_exec_root()
    all_protos = srcs + [d + "_proto" for d in deps]
    native.filegroup(
        name = name + "_srcs",
        srcs = srcs,
        visibility = visibility,
        testonly = testonly,
    )
    native.filegroup(
        name = name + "_proto",
        srcs = all_protos,
        visibility = visibility,
        testonly = testonly,
    )

    hdrs = []
    cc_srcs = []
    for src in srcs:
        base = _strip_ext(src)
        hdrs.append(base + ".pb.h")
        cc_srcs.append(base + ".pb.cc")
        if grpc:
            hdrs.append(base + ".grpc.pb.h")
            cc_srcs.append(base + ".grpc.pb.cc")

    includes = _includes(root)
    inputs = " ".join([root + "/" + s if root else s for s in srcs])
    grpc_flags = ""
    if grpc:
        grpc_flags = "--plugin=protoc-gen-grpc=$(execpath %s) --grpc_out=$(GENDIR)/%s " % (_GRPC_PLUGIN, root)
    native.genrule(
        name = name + "_gen",
        srcs = all_protos,
        outs = hdrs + cc_srcs,
        testonly = testonly,
        tools = [_PROTOC] + ([_GRPC_PLUGIN] if grpc else []),
        cmd = "$(execpath %s) %s --cpp_out=$(GENDIR)/%s %s%s" % (
            _PROTOC,
            includes,
            root,
            grpc_flags,
            inputs,
        ),
    )
    _descriptor_set(
        name = name + "_descriptor_set",
        srcs = all_protos,
        inputs = inputs,
        includes = includes,
        visibility = visibility,
        testonly = testonly,
    )
    native.cc_library(
        name = name + "_cc_proto",
        srcs = cc_srcs,
        hdrs = hdrs,
        includes = ["."],
        testonly = testonly,
        deps = [d + "_cc_proto" for d in deps] + [
            "@system//:protobuf",
        ] + (["@system//:grpcpp"] if grpc else []),
        visibility = visibility,
    )
