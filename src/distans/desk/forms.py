from __future__ import annotations

from django import forms

from distans.desk.models import Article


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["title", "topic", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}
