from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, render

from console import response_info


@staff_member_required
def response_info_page(request, contact_id):
    contact = get_object_or_404(response_info.contact_queryset(), pk=contact_id)
    context = {
        **admin.site.each_context(request),  # the admin's header and sidebar
        "title": f"Response Info: {contact}",
        "info": response_info.build(contact),
        "opts": contact._meta,
    }
    return render(request, "console/response_info.html", context)
