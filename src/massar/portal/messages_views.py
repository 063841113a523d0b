"""Pages of the messages part: threads (list with unread counts, a guardian's new thread, one
thread with its replies and read receipts), the access-checked attachment download, and the
school's announcement board."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from massar.core.access import role_required
from massar.core.i18n import pick
from massar.core.paging import CappedPaginator
from massar.enrollment.models import SchoolClass
from massar.portal import appointments_selectors as family
from massar.portal import messages_selectors as sel
from massar.portal import messages_services as services
from massar.portal.appointments_views import person_name

PAGE_SIZE = 25
SIDES = ("GUARDIAN", "DIRECTOR", "STAFF", "TEACHER")
BOARD_READERS = ("DIRECTOR", "STAFF", "TEACHER", "STUDENT", "GUARDIAN")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(FilesField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def _files_field():
    return FilesField(
        label=_("Attachments"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
        help_text=_("PDF, PNG or JPEG files, 5 MB at most each, 3 files at most."),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"] = _files_field()


class ThreadForm(ReplyForm):
    teacher = forms.TypedChoiceField(label=_("To"), coerce=int, empty_value=0, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    field_order = ["teacher", "subject", "body", "files"]

    def __init__(self, *args, teachers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = _("Your message")
        choices = [(0, _("The school's administration"))]
        choices += [(t.pk, person_name(t)) for t in teachers]
        self.fields["teacher"].choices = choices
        self.order_fields(self.field_order)


class AnnouncementForm(forms.Form):
    audience = forms.ChoiceField(label=_("For"))
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, school_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("school", _("The whole school"))]
        if school_id:
            classes = list(
                SchoolClass.objects.filter(school_id=school_id, year__is_current=True)
                .select_related("level")
                .order_by("level__order", "name")
            )
            levels = {c.level_id: c.level for c in classes}
            choices += [(f"level:{lv.pk}", pick(lv)) for lv in levels.values()]
            choices += [(f"class:{c.pk}", c.name) for c in classes]
        self.fields["audience"].choices = choices


# --- threads ------------------------------------------------------------------------------
@role_required(*SIDES)
def thread_list(request, scope):
    page = CappedPaginator(sel.threads_for(scope), PAGE_SIZE).get_page(request.GET.get("page"))
    for t in page:
        t.student_name, t.teacher_name = person_name(t.student), person_name(t.teacher)
    return render(
        request,
        "portal/messages_list.html",
        {"page": page, "is_guardian": scope.has("GUARDIAN")},
    )


@role_required("GUARDIAN")
def thread_new(request, scope):
    children = list(family.guardian_children(scope))
    child = None
    child_id = request.POST.get("child") or request.GET.get("child")
    if child_id:
        child = family.guardian_child_get(scope, child_id)  # 404 for another family's child
    elif len(children) == 1:
        child = children[0]
    form = None
    if child is not None:
        enrollment = family.current_enrollment(child.pk)
        teachers = ()
        if enrollment is not None and sel.teachers_in_messages(enrollment.school_id):
            teachers = family.child_teachers(enrollment)
        form = ThreadForm(request.POST or None, request.FILES or None, teachers=teachers)
        if request.method == "POST" and form.is_valid():
            try:
                thread = services.thread_start(
                    actor=request.user,
                    scope=scope,
                    student_id=child.pk,
                    teacher_id=form.cleaned_data["teacher"] or None,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    files=form.cleaned_data["files"],
                )
            except services.MessageError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Your message has been sent."))
                return redirect("portal:thread_detail", thread.pk)
    for c in children:
        c.display_name = person_name(c)
    return render(
        request,
        "portal/messages_new.html",
        {"children": children, "child": child, "child_name": person_name(child), "form": form},
    )


@role_required(*SIDES)
def thread_detail(request, thread_id: int, scope):
    thread = sel.thread_get(scope, thread_id)
    form = ReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_post(
                actor=request.user,
                scope=scope,
                thread_id=thread.pk,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
            )
        except services.MessageError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your reply has been sent."))
            return redirect("portal:thread_detail", thread.pk)
    if request.method == "GET":
        services.thread_mark_read(actor=request.user, thread=thread)
    as_guardian = thread.guardian_user_id == request.user.pk
    items = list(sel.thread_messages(thread))
    for m in items:
        m.mine = m.from_school != as_guardian
    return render(
        request,
        "portal/messages_thread.html",
        {
            "thread": thread,
            "items": items,
            "form": form,
            "student_name": person_name(thread.student),
            "teacher_name": person_name(thread.teacher),
        },
    )


@role_required(*SIDES)
def attachment_download(request, attachment_id: int, scope):
    attachment = sel.attachment_get(scope, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- announcements ------------------------------------------------------------------------
def _board_school(scope) -> int | None:
    return min(scope.school_ids) if scope.school_ids else None


@role_required(*BOARD_READERS)
def announcement_list(request, scope):
    page = CappedPaginator(sel.announcements_for(scope), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for a in page:
        if a.school_class_id:
            a.audience = a.school_class.name
        elif a.level_id:
            a.audience = pick(a.level)
        else:
            a.audience = pick(a.school)
    school_id = _board_school(scope)
    return render(
        request,
        "portal/announcements_list.html",
        {
            "page": page,
            "form": AnnouncementForm(school_id=school_id) if school_id else None,
            "can_post": bool(school_id),
        },
    )


@require_POST
@role_required("DIRECTOR", "STAFF")
def announcement_new(request, scope):
    school_id = _board_school(scope)
    form = AnnouncementForm(request.POST, school_id=school_id)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("portal:announcements")
    kind, _sep, pk = form.cleaned_data["audience"].partition(":")
    try:
        services.announcement_publish(
            actor=request.user,
            scope=scope,
            school_id=school_id,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            level_id=int(pk) if kind == "level" else None,
            class_id=int(pk) if kind == "class" else None,
        )
    except services.MessageError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The notice has been published."))
    return redirect("portal:announcements")


@require_POST
@role_required("DIRECTOR", "STAFF")
def announcement_delete(request, announcement_id: int, scope):
    try:
        services.announcement_delete(
            actor=request.user, scope=scope, announcement_id=announcement_id
        )
    except services.MessageError as exc:
        raise PermissionDenied(exc.message) from None
    messages.success(request, _("The notice has been removed."))
    return redirect("portal:announcements")
