import time, sys, tracemalloc
from problems import classic, mnist_like, classic_epochs
from tracer import trace
p = classic()
for _ in range(20): trace(p)
t=time.perf_counter(); n=200
for _ in range(n): trace(p)
print("classic trace ms", (time.perf_counter()-t)/n*1e3)
m = mnist_like()
t=time.perf_counter(); log=trace(m); print("mnist trace s", time.perf_counter()-t, len(log))
t=time.perf_counter(); s=log.to_json(); print("mnist json s", time.perf_counter()-t, len(s))
e = classic_epochs(10000)
t=time.perf_counter(); trace(e); print("10000 epochs s", time.perf_counter()-t)
