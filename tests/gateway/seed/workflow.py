from pycolonies import colonies_client
from pycolonies import Workflow, FuncSpec, Conditions
import copy

colonies, colonyname, colony_prvkey, executorid, executor_prvkey = colonies_client()

hello1_func_spec = FuncSpec(
     funcname="helloworld",
     nodename="hello1",
     conditions = Conditions(
         colonyname=colonyname,
         executortype="helloworld-executor"
     ),
     maxexectime=100,
     maxretries=3
 )

hello2_func_spec = FuncSpec(
     funcname="helloworld",
     nodename="hello2",
     conditions = Conditions(
         colonyname=colonyname,
         executortype="helloworld-executor",
         dependencies=["hello1"]
     ),
     maxexectime=100,
     maxretries=3
 )

wf = Workflow(colonyname=colonyname)
wf.functionspecs.append(hello1_func_spec)
wf.functionspecs.append(hello2_func_spec)

processgraph = colonies.submit_workflow(wf, executor_prvkey)
print("Workflow", processgraph.processgraphid, "submitted")
