"""The product's URLs plus the bare stack's own pages: viewflow's FlowViewset for the bare
flow, and the bare list pages (bench.bare.views)."""
from django.urls import path
from viewflow.workflow.flow import FlowViewset

from bench.bare.flows import BareFlow
from bench.bare.views import bare_list, hello
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    path("bare/list/<str:case>/", bare_list),
    path("bare/hello/", hello),
    path("bare/", FlowViewset(BareFlow).urls),
    *product_urlpatterns,
]
