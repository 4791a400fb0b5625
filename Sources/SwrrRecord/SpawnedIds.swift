// The ids of a task fork, vfork or clone created, as the program sees them (PidNamespaces.swift).
// ptrace's event message names the child by its id in swrr's pid namespace, which is what the
// trace's events call it; the parent's call returns its id in the parent's namespace, and the
// child knows itself by its id in its own. Outside pid namespaces the three are one number.
import SwrrTrace
import SwrrTracee

extension Recorder {
    /// What the parent's call returned, and the child's ids when they are not that number. A
    /// child whose ids cannot be read (it is gone already) is taken to be in the parent's
    /// namespace, as every child is without pid namespaces.
    func spawnedIds(parent: Int32, child: Int32) -> (result: Int64, spawned: SpawnedTask?) {
        guard let childIds = PidNamespaces.ids(of: child), childIds.first == child,
              let parentIds = PidNamespaces.ids(of: parent),
              let seen = PidNamespaces.id(of: childIds, seenBy: parentIds),
              let own = childIds.last else {
            return (Int64(child), nil)
        }
        if seen == child && own == child { return (Int64(child), nil) }
        if Self.debug { Self.debugLog("task \(child) is \(seen) for its parent \(parent) and \(own) for itself") }
        return (Int64(seen), SpawnedTask(tid: child, ownId: own))
    }
}
