"""The bare stack's list pages: the bare SQL of `bench.steps` (a page of rows and its total)
behind Django's own login and middleware, rendered by a plain template. The floor of the
product's inbox and list pages (`page p50 ≤ 25 ms`), measured in the same run."""
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from bench import steps


@login_required
def bare_list(request, case: str):
    try:
        sql, order, params = steps.bare_case(case, request.user.pk, request.GET)
    except KeyError:
        raise Http404 from None
    rows, (total,) = steps.bare_page(sql, order, params)()
    return render(request, "bare/list.html", {"rows": rows, "total": total})


def hello(request):
    """The production server's floor: a plain view behind the same middleware (bench.serve)."""
    return HttpResponse("hello")
