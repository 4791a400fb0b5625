// The targets `gotoTargets` handed out, by id, for `goto` (kept until the session ends).
import SwrrDebugger

final class GotoTargets {
    private var targets: [Int: GotoLine] = [:]
    private var ids: [GotoLine: Int] = [:]

    func add(_ g: GotoLine) -> Int {
        if let id = ids[g] { return id }
        let id = targets.count + 1
        targets[id] = g
        ids[g] = id
        return id
    }

    func target(_ id: Int) -> GotoLine? { targets[id] }
}
