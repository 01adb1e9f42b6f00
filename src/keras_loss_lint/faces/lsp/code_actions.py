"""Code actions: quick fixes (a rule's fix, or a `# noqa` for the line) for the diagnostics a request
asks about, and "fix all", whose edit is computed only when the client resolves the action if it can.
The text edits themselves are made in `actions`; this module turns them into LSP actions.
"""

from __future__ import annotations

from typing import Sequence

from lsprotocol import types

from keras_loss_lint.core.diagnostics import Applicability, Diagnostic, Edit
from keras_loss_lint.core.fixing import is_applicable
from keras_loss_lint.faces.lsp.actions import minimal_edit, noqa_edit
from keras_loss_lint.faces.lsp.conversions import NAME, core_range, lsp_diagnostic, lsp_range, range_key
from keras_loss_lint.faces.lsp.documents import Document
from keras_loss_lint.faces.lsp.linting import Outcome
from keras_loss_lint.faces.lsp.session import Session

FIX_ALL_KIND = "source.fixAll.keras-loss-lint"
FIX_ALL_TITLE = "Fix all safe keras-loss-lint problems"


class CodeActions(Session):
    """The code-action half of the server; the document handlers supply each document's outcome."""

    async def actions_for(
        self, params: types.CodeActionParams, document: Document, outcome: Outcome, fix_all: bool = True
    ) -> list[types.CodeAction]:
        """The actions `params` asks for, given the lint `outcome` of the document's current text
        (without "fix all" when `fix_all` is false: a notebook cell is not a whole file)."""
        only = params.context.only
        actions: list[types.CodeAction] = []
        if _wants(only, types.CodeActionKind.QuickFix):
            for diagnostic in self._asked_about(params, document, outcome):
                actions.extend(self._quick_fixes(document, diagnostic))
        fixable = any(is_applicable(d.fix, unsafe=False) for d in outcome.diagnostics)
        if fix_all and fixable and _wants(only, FIX_ALL_KIND):
            actions.append(await self._fix_all_action(document))
        return actions

    def _asked_about(
        self, params: types.CodeActionParams, document: Document, outcome: Outcome
    ) -> list[Diagnostic]:
        """Our diagnostics that touch the requested range, or that the client lists in the context
        (Neovim asks at the cursor but lists every diagnostic of the cursor's line)."""
        index, encoding = document.index, self.encoding
        start, end = core_range(params.range, index, encoding)
        listed = {
            (d.code, range_key(d.range)) for d in params.context.diagnostics if d.source == NAME
        }
        return [
            d
            for d in outcome.diagnostics
            if (d.span.start <= end and start <= d.span.end)
            or (d.code, range_key(lsp_range(d.span, index, encoding))) in listed
        ]

    def _quick_fixes(self, document: Document, diagnostic: Diagnostic) -> list[types.CodeAction]:
        index = document.index
        linked = [lsp_diagnostic(diagnostic, index, self.encoding)]
        actions = []
        fix = diagnostic.fix
        if fix is not None:
            safe = fix.applicability is Applicability.SAFE
            actions.append(
                types.CodeAction(
                    title=fix.message if safe else f"{fix.message} (unsafe)",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=linked,
                    is_preferred=safe,
                    edit=self.workspace_edit(document, list(fix.edits)),
                )
            )
        noqa = noqa_edit(document.text, diagnostic.line, diagnostic.code, index)
        if noqa is not None:
            actions.append(
                types.CodeAction(
                    title=f"Disable {diagnostic.code} for this line",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=linked,
                    edit=self.workspace_edit(document, [noqa]),
                )
            )
        return actions

    async def _fix_all_action(self, document: Document) -> types.CodeAction:
        action = types.CodeAction(
            title=FIX_ALL_TITLE, kind=FIX_ALL_KIND, data={"uri": document.uri, "version": document.version}
        )
        if self._client_can_resolve_edits():
            return action  # the fixing runs only if the user picks it (codeAction/resolve)
        return await self.resolve(action)

    async def resolve(self, action: types.CodeAction) -> types.CodeAction:
        """Fill in the edit of a "fix all" action, for the document's current text."""
        data = action.data if isinstance(action.data, dict) else {}
        document = self.documents.get(str(data.get("uri")))
        if action.kind != FIX_ALL_KIND or document is None or action.edit is not None:
            return action
        text, path, folders = document.text, document.path, self.folder_paths()
        # The project's modules as the diagnostics read them: open ones as their unsaved text.
        fixed = await self.worker.fix_all(text, path, folders, self.open_texts(), self.time_limit)
        if fixed is None or document.text is not text:
            return action  # nothing to do, or the text moved on: an edit would not apply
        edit = minimal_edit(text, fixed, document.index)
        if edit is not None:
            action.edit = self.workspace_edit(document, [edit])
        return action

    def open_texts(self) -> dict[str, str]:  # provided by the document handlers (language_server)
        raise NotImplementedError

    def workspace_edit(self, document: Document, edits: list[Edit]) -> types.WorkspaceEdit:
        index, encoding = document.index, self.encoding
        text_edits = [types.TextEdit(range=lsp_range(e.span, index, encoding), new_text=e.content) for e in edits]
        if self._client_can("workspace.workspace_edit.document_changes"):
            # Versioned: the client refuses the edit if the document changed since it was computed.
            identifier = types.OptionalVersionedTextDocumentIdentifier(uri=document.uri, version=document.version)
            return types.WorkspaceEdit(
                document_changes=[types.TextDocumentEdit(text_document=identifier, edits=list(text_edits))]
            )
        return types.WorkspaceEdit(changes={document.uri: list(text_edits)})


def _wants(only: Sequence[str] | None, kind: str) -> bool:
    """Whether a request limited to the kinds `only` (hierarchical: "source" covers
    "source.fixAll.keras-loss-lint") asks for actions of `kind`."""
    if not only:
        return True
    return any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in only)
