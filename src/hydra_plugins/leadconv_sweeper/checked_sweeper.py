"""`hydra/sweeper=basic`, the default (conf/hydra/sweeper/basic.yaml shadows Hydra's own option).

Hydra's grid sweeper, except that a combination that does not compose (an override one of the
swept models lacks, say) stops the sweep before any job runs with one `error:` line naming that
combination, instead of Hydra's multi-line message.
"""

from __future__ import annotations

import sys

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper


class CheckedBasicSweeper(BasicSweeper):
    def validate_batch_is_legal(self, batch) -> None:
        for overrides in batch:
            try:
                super().validate_batch_is_legal([overrides])
            except Exception as error:  # noqa: BLE001 - Hydra's composition errors span several lines
                lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
                reason = " ".join(line.rstrip(".") for line in lines[:1] + lines[2:3])[:300] or type(error).__name__
                from leadconv.sweeps.parent import discard_unused_parent

                discard_unused_parent()
                print(
                    f"error: the sweep's combination `{' '.join(overrides)[:300]}` does not compose ({reason}); "
                    "no job was run: sweep that override only with the models that have it, or drop it",
                    file=sys.stderr,
                    flush=True,
                )
                sys.exit(1)
