from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, render

from console import policy, response_info


@staff_member_required
def response_info_page(request, contact_id):
    # Another business's contact is as missing as one that never existed.
    contacts = policy.scope(response_info.contact_queryset(), policy.allowed(request.user, "contacts", policy.VIEW))
    contact = get_object_or_404(contacts, pk=contact_id)
    context = {
        **admin.site.each_context(request),  # the admin's header and sidebar
        "title": f"Response Info: {contact}",
        "info": response_info.build(contact),
        "opts": contact._meta,
    }
    return render(request, "console/response_info.html", context)
