# The usage example of the design document (section 6.1, "使用示例"), unchanged except for the
# first line: it imports TracerProvider from this package instead of defining a ctypes wrapper.
# It never closes its provider: otlp_ffi's atexit handler flushes the span at exit.
# Run it with a collector on localhost:4318, e.g.:
#   python3 tests/receiver/otlp_receiver.py --port 4318 --print &
#   python3 bindings/python/examples/seed_usage.py
from otlp_ffi import TracerProvider

if __name__ == '__main__':
    provider = TracerProvider('http://localhost:4318', 'python-app')
    tracer = provider.get_tracer()

    with tracer.start_span('my_operation') as span:
        span.set_attribute('user.id', 12345)
        span.set_attribute('action', 'purchase')

        # 业务逻辑...
        print("Doing work...")

    print("Span exported!")
