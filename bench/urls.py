"""The product's URLs plus the bare viewflow flow's own views (viewflow's FlowViewset)."""
from django.urls import path
from viewflow.workflow.flow import FlowViewset

from bench.bare.flows import BareFlow
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [path("bare/", FlowViewset(BareFlow).urls), *product_urlpatterns]
