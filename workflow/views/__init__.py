"""Pages (issue 4): the inbox, the task pages of the flow, declaration detail, dashboard."""
