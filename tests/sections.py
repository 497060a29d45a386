"""Render one host page's sections alone, as its view composes them (no panels, no slots).

The page's audience is what its base template would set (templates/_bases/).

Call inside a request context with the viewer signed in (``login_user``).
"""

from __future__ import annotations

from flask import render_template


def firm_home(engagements) -> str:
    from portal.firm.views import home_sections

    return render_template(
        "firm/_home_sections.html", audience="firm", **home_sections(engagements)
    )


def firm_engagement(engagement) -> str:
    from portal.firm.views import engagement_sections

    return render_template(
        "firm/_engagement_sections.html",
        audience="firm",
        engagement=engagement,
        **engagement_sections(engagement),
    )


def fda_engagement(engagement) -> str:
    from portal.engagements.views import engagement_sections

    return render_template(
        "engagements/_sections.html",
        audience="fda",
        engagement=engagement,
        **engagement_sections(engagement),
    )


def worklist() -> str:
    from portal.worklist.views import worklist_sections

    return render_template("worklist/_sections.html", audience="fda", **worklist_sections())


def site_letters(site) -> str:
    from portal.invitations.fda_sections import site_invitations

    return render_template(
        "invitations/_fda_site.html", audience="fda", site=site, **site_invitations(site)
    )
