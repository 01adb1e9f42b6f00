"""Import statements: which names mean Keras, TensorFlow or NumPy things.

`from keras.layers import *` binds names the interpreter cannot list, so a name no scope binds is
looked up in the star-imported Keras modules, and only a name Keras is known to define there is
resolved. A star import from any other module may bind anything: every name it could rebind is
unknown afterwards.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from keras_loss_lint.analysis.names import dotted_name
from keras_loss_lint.analysis import keras_api
from keras_loss_lint.analysis.facts import UNKNOWN, KerasRef, Value
from keras_loss_lint.analysis.frames import Frame
from keras_loss_lint.analysis.project_imports import ProjectImportsMixin


# Keras namespaces whose star import defines no name a built-in has.
_NAMESPACES_WITHOUT_BUILTINS = frozenset({"keras", "keras.layers", "keras.models"})


class ImportsMixin(ProjectImportsMixin):
    def exec_import(self, node: cst.Import, frame: Frame) -> bool:
        for alias in node.names:
            dotted = dotted_name(alias.name)
            if dotted is None:
                continue
            self._note_import(dotted)
            asname = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else None
            if module_value(dotted) is UNKNOWN and self.import_project(dotted, asname, frame):
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                frame.bind(alias.asname.name.value, module_value(dotted))
            else:
                top = dotted.split(".", 1)[0]
                frame.bind(top, module_value(top))
        return True

    def exec_import_from(self, node: cst.ImportFrom, frame: Frame) -> bool:
        module = dotted_name(node.module) if node.module is not None else None
        understood = module is not None and not node.relative and module_value(module) is not UNKNOWN
        if not understood and self.import_project_from(node, module, frame):
            return True
        if isinstance(node.names, cst.ImportStar):
            self._star_import(module if understood else None, frame)
            return True
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
            if module is None or node.relative:
                frame.bind(local, UNKNOWN)
            else:
                self._note_import(f"{module}.{name}")
                frame.bind(local, module_value(f"{module}.{name}"))
        return True

    def star_import_unknown(self, frame: Frame) -> None:
        self._star_import(None, frame)

    def _star_import(self, module: Optional[str], frame: Frame) -> None:
        if module is None:
            # Imported modules are assumed not to be rebound; any other name may be.
            for name, value in list(frame.vars.items()):
                if not isinstance(value, KerasRef):
                    frame.bind(name, UNKNOWN)
            frame.star_modules.append(None)
            return
        self._note_import(module)
        frame.star_modules.append(keras_api.canonical(module))

    def _note_import(self, dotted: str) -> None:
        if keras_api.is_keras(keras_api.canonical(dotted)):
            self.facts.imports_keras = True
            self.facts.keras_packages.add(dotted.split(".", 1)[0])

    def unbound_name(self, name: str, frame: Frame) -> Optional[Value]:
        """What a name no scope binds means after star imports; None when there were none."""
        modules = frame.module_frame().star_modules
        if not modules:
            return None
        found = [star_member(module, name) if module else UNKNOWN for module in modules]
        if any(ref is not None for ref in found):
            return [ref for ref in found if ref is not None][-1]
        # Other names are the built-ins unless a module that may shadow them was star-imported.
        return None if all(module in _NAMESPACES_WITHOUT_BUILTINS for module in modules) else UNKNOWN


def star_member(module: str, name: str) -> Optional[Value]:
    """`name` as `from module import *` binds it, when Keras is known to define it there."""
    qualname = keras_api.canonical(f"{module}.{name}")
    known = (
        keras_api.is_layer_class(qualname)
        or keras_api.merge_function(qualname) is not None
        or qualname in keras_api.MODEL_CLASSES
        or qualname in keras_api.SEQUENTIAL_CLASSES
        or qualname in keras_api.INPUT_FUNCTIONS
    )
    return KerasRef(qualname) if known and not name.startswith("_") else None


def module_value(dotted: str) -> Value:
    """Keras, TensorFlow and NumPy names are understood; anything else imported is unknown."""
    if dotted.split(".", 1)[0] in keras_api.UNDERSTOOD_PACKAGES:
        return KerasRef(keras_api.canonical(dotted))
    return UNKNOWN
