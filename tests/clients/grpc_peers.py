"""Real gRPC peers (grpcio) for the tests, over plain HTTP/2 (h2c), without generated code:
the message classes come from a FileDescriptorSet of crates/inspect/tests/fixtures/grpc/shop.proto
(`protoc --include_imports -o shop.pb shop.proto`), the services from grpc's generic handlers.

    grpc_peers.py server SHOP_PB          a demo.shop.Shop server on a free port; prints the port
    grpc_peers.py client SHOP_PB TARGET   GetItem("pen"), ListItems("tool", 3), GetItem("missing");
                                          prints what came back, a line each
"""

import sys
from concurrent import futures

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

SERVICE = "demo.shop.Shop"


def messages(descriptor_set):
    """The Query and Item classes of the schema."""
    with open(descriptor_set, "rb") as f:
        files = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    cls = lambda name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"demo.shop.{name}"))
    return cls("Query"), cls("Item")


def server(descriptor_set):
    Query, Item = messages(descriptor_set)

    def get_item(query, context):
        if query.name == "missing":
            context.abort(grpc.StatusCode.NOT_FOUND, "no item named missing")
        return Item(name=query.name, sizes=[1, 2], price=9.5)

    def list_items(query, context):
        for n in range(query.limit):
            yield Item(name=f"{query.name}-{n}", sizes=[n])

    handler = grpc.method_handlers_generic_handler(SERVICE, {
        "GetItem": grpc.unary_unary_rpc_method_handler(
            get_item, request_deserializer=Query.FromString, response_serializer=Item.SerializeToString),
        "ListItems": grpc.unary_stream_rpc_method_handler(
            list_items, request_deserializer=Query.FromString, response_serializer=Item.SerializeToString),
    })
    srv = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    srv.add_generic_rpc_handlers((handler,))
    port = srv.add_insecure_port("127.0.0.1:0")
    srv.start()
    print(port, flush=True)
    srv.wait_for_termination()


def client(descriptor_set, target):
    Query, Item = messages(descriptor_set)
    with grpc.insecure_channel(target) as channel:
        get = channel.unary_unary(f"/{SERVICE}/GetItem", request_serializer=Query.SerializeToString,
                                  response_deserializer=Item.FromString)
        listing = channel.unary_stream(f"/{SERVICE}/ListItems", request_serializer=Query.SerializeToString,
                                       response_deserializer=Item.FromString)
        print("GetItem", get(Query(name="pen", limit=1), timeout=10).name, flush=True)
        for item in listing(Query(name="tool", limit=3), timeout=10):
            print("ListItems", item.name, flush=True)
        try:
            get(Query(name="missing"), timeout=10)
        except grpc.RpcError as e:
            print("GetItem", e.code().name, flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2])
    else:
        client(sys.argv[2], sys.argv[3])
