"""The bare stack's list pages: the bare SQL of `bench.steps` (a page of rows and its total)
behind Django's own login and middleware, rendered by a plain template. The floor of the
product's inbox and list pages (`page p50 ≤ 25 ms`), measured in the same run."""
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from bench import steps


def _params(request, case: str) -> tuple[str, str, list]:
    get = request.GET
    if case == "queue-unit":
        return steps.BARE_QUEUE_UNIT, steps.QUEUE_ORDER, [request.user.pk]
    if case == "queue-office":
        return steps.BARE_QUEUE_OFFICE, steps.QUEUE_ORDER, [get["perm"]]
    if case == "list-unit":
        return steps.BARE_LIST_UNIT, steps.LIST_ORDER, [int(get["programme"]), request.user.pk]
    if case == "list-office":
        state = "AND d.state = %s" if get.get("state") else ""
        return (steps.BARE_LIST_OFFICE.format(state=state), steps.LIST_ORDER,
                [int(get["programme"]), *([get["state"]] if state else [])])
    raise Http404


@login_required
def bare_list(request, case: str):
    sql, order, params = _params(request, case)
    rows, (total,) = steps.bare_page(sql, order, params)()
    return render(request, "bare/list.html", {"rows": rows, "total": total})
